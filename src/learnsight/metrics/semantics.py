"""Which xAPI verbs mean enrolled, started, progressed, completed, passed, failed, withdrawn.

The defaults cover the ADL verbs, cmi5, the xAPI Video Profile and Learnsight's own LMS-export
imports; a data directory changes them in `kpis.yaml` (docs/kpis.md):

    verbs:
      completed: [http://adlnet.gov/expapi/verbs/completed, https://example.com/verbs/finished]
"""

from __future__ import annotations

from typing import Any

from learnsight.xapi import verbs

VIDEO = "https://w3id.org/xapi/video/verbs/"
CMI5_ABANDONED = "https://w3id.org/xapi/adl/verbs/abandoned"

DEFAULT_VERBS: dict[str, tuple[str, ...]] = {
    "enrolled": (verbs.REGISTERED,),
    "started": (verbs.LAUNCHED, verbs.INITIALIZED, verbs.ATTEMPTED, VIDEO + "played"),
    "progressed": (
        verbs.PROGRESSED,
        verbs.EXPERIENCED,
        verbs.ANSWERED,
        verbs.ATTENDED,
        VIDEO + "played",
        VIDEO + "paused",
        VIDEO + "seeked",
    ),
    "completed": (verbs.COMPLETED,),
    "passed": (verbs.PASSED,),
    "failed": (verbs.FAILED,),
    "withdrawn": (verbs.UNREGISTERED,),
}
VERB_CLASSES = tuple(DEFAULT_VERBS)


def learning_verbs(config: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """The defaults, with the classes `kpis.yaml` names replaced (checked by metrics.config)."""
    chosen = config.get("verbs") or {}
    return {name: tuple(chosen.get(name, default)) for name, default in DEFAULT_VERBS.items()}
