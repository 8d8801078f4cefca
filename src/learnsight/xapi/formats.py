"""The `format` parameter of GET statements: exact, ids and canonical (Communication 2.1.3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from learnsight.xapi.agents import ifi_only

LANGUAGE_MAP_KEYS = ("name", "description", "display")
INTERACTION_COMPONENTS = ("choices", "scale", "source", "target", "steps")
Definitions = Callable[[str], dict[str, Any] | None]


def as_ids(statement: dict[str, Any]) -> dict[str, Any]:
    """Only what identifies Agents, Groups, Activities and Verbs."""
    out = dict(statement)
    out["actor"] = ifi_only(statement["actor"])
    out["verb"] = {"id": statement["verb"]["id"]}
    out["object"] = object_ids(statement["object"])
    if "authority" in statement:
        out["authority"] = ifi_only(statement["authority"])
    if "context" in statement:
        out["context"] = context_ids(statement["context"])
    return out


def object_ids(obj: dict[str, Any]) -> dict[str, Any]:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return {"id": obj["id"]}
    if kind in ("Agent", "Group"):
        return ifi_only(obj)
    if kind == "SubStatement":
        return {**as_ids(obj), "objectType": "SubStatement"}
    return obj


def context_ids(context: dict[str, Any]) -> dict[str, Any]:
    out = dict(context)
    for role in ("instructor", "team"):
        if role in context:
            out[role] = ifi_only(context[role])
    if "contextActivities" in context:
        out["contextActivities"] = {
            kind: [{"id": a["id"]} for a in activities]
            for kind, activities in context["contextActivities"].items()
        }
    return out


def as_canonical(
    statement: dict[str, Any], definitions: Definitions, languages: list[str]
) -> dict[str, Any]:
    """Canonical activity definitions and one language per language map."""
    out = dict(statement)
    out["verb"] = filter_languages(statement["verb"], languages)
    out["object"] = canonical_object(statement["object"], definitions, languages)
    if "context" in statement and "contextActivities" in statement["context"]:
        context = dict(statement["context"])
        context["contextActivities"] = {
            kind: [canonical_activity(a, definitions, languages) for a in activities]
            for kind, activities in context["contextActivities"].items()
        }
        out["context"] = context
    return out


def canonical_object(
    obj: dict[str, Any], definitions: Definitions, languages: list[str]
) -> dict[str, Any]:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return canonical_activity(obj, definitions, languages)
    if kind == "SubStatement":
        return as_canonical(obj, definitions, languages)
    return obj


def canonical_activity(
    activity: dict[str, Any], definitions: Definitions, languages: list[str]
) -> dict[str, Any]:
    definition = definitions(activity["id"]) or activity.get("definition")
    out = dict(activity)
    if definition:
        out["definition"] = filter_languages(definition, languages)
    return out


def filter_languages(holder: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    """Keep the best language of each map, components of interactions included."""
    out = dict(holder)
    for key in LANGUAGE_MAP_KEYS:
        if isinstance(holder.get(key), dict):
            out[key] = pick_language(holder[key], languages)
    for key in INTERACTION_COMPONENTS:
        if isinstance(holder.get(key), list):
            out[key] = [filter_languages(c, languages) for c in holder[key]]
    return out


def pick_language(language_map: dict[str, str], languages: list[str]) -> dict[str, str]:
    """RFC 2616 Accept-Language matching applied to one language map."""
    if not language_map:
        return language_map
    lowered = {tag.lower(): tag for tag in language_map}
    for wanted in languages:
        wanted = wanted.lower()
        if wanted == "*":
            break
        for tag_lower, tag in lowered.items():
            if tag_lower == wanted or tag_lower.startswith(wanted + "-"):
                return {tag: language_map[tag]}
    first = next(iter(language_map))
    return {first: language_map[first]}


def accepted_languages(header: str | None) -> list[str]:
    """Language ranges of an Accept-Language header, best first (q=0 excluded)."""
    ranges: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranges.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(ranges)]
