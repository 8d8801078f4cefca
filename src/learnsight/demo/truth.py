"""ground_truth.json: the effects the demo injected, its parameters, and what they did.

Besides the parameters, the generator counts what training changed in this very company, from
the counterfactual it can see and an analyst cannot: the churns it prevented, the tickets it
deflected, the days of time to value it saved. Those are the numbers an impact analysis of the
demo data should recover; the naive comparisons listed beside them show how far off a
trained-vs-untrained difference is.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from learnsight.demo import clock
from learnsight.demo.parameters import EFFECTS, MODEL, SEGMENTS
from learnsight.demo.story import Story
from learnsight.demo.world import USD_PER_UNIT
from learnsight.xapi import verbs

VERSION = 1  # of the generator's model: a change of it changes the company a seed gives


def usd(amount: Decimal, currency: str) -> float:
    """At the reference rates: close enough for counting what training was worth."""
    return float(amount) * USD_PER_UNIT[currency]


@dataclass
class Tally:
    """What happened, and what would have happened without training, counted as it is made."""

    accounts: Counter[str] = field(default_factory=Counter)  # by segment
    trained: Counter[str] = field(default_factory=Counter)  # accounts trained, by segment
    # (segment, trained at the renewal) → [renewals due, churns]
    renewals: dict[tuple[str, bool], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    prevented_churns: int = 0
    prevented_churn_arr_usd: float = 0.0
    tickets: int = 0
    deflected: Counter[str] = field(default_factory=Counter)  # by topic
    ttv_days: list[tuple[str, float, float]] = field(
        default_factory=list
    )  # segment, real, untrained
    adoptions_trained: int = 0
    adoption_days_saved: float = 0.0
    nps: dict[bool, list[float]] = field(default_factory=lambda: {True: [], False: []})
    learning: Counter[str] = field(default_factory=Counter)
    classes: set[tuple[str, str]] = field(default_factory=set)  # (course slug, class) held

    def story(self, story: Story) -> None:
        """Count an account's training, renewals, churn and what training prevented."""
        segment, life = story.account.segment.name, story.life
        self.accounts[segment] += 1
        if story.trained_at is not None:
            self.trained[segment] += 1
        for _, trained, churned in life.renewals:
            self.renewals[segment, trained][0] += 1
            self.renewals[segment, trained][1] += churned
        prevented = life.untrained_churn is not None and (
            life.churned_at is None or life.churned_at > life.untrained_churn
        )
        if prevented:
            self.prevented_churns += 1
            self.prevented_churn_arr_usd += usd(life.untrained_churn_arr, story.account.currency)
        self.learning_counts(story)

    def learning_counts(self, story: Story) -> None:
        people = {e.person.email: e.person for e in story.enrolments}
        self.learning["learners"] += len(people)
        self.learning["stray_learners"] += sum(not p.listed for p in people.values())
        self.learning["enrolments"] += len(story.enrolments)
        for e in story.enrolments:
            self.learning["completions"] += e.completed_at is not None
            self.learning["withdrawals"] += any(s.verb == verbs.UNREGISTERED for s in e.steps)
            self.learning["statements"] += len(e.steps)
            if any(s.verb == verbs.ATTENDED for s in e.steps):
                self.classes.add((e.course.slug, e.session))

    def adoption(self, adopted: int, untrained: int) -> None:
        self.adoptions_trained += 1
        self.adoption_days_saved += (untrained - adopted) / clock.DAY

    def time_to_value(self, segment: str, seconds: int, untrained: int) -> None:
        self.ttv_days.append((segment, seconds / clock.DAY, untrained / clock.DAY))

    def ticket(self, topic: str, deflected: bool) -> None:
        if deflected:
            self.deflected[topic] += 1
        else:
            self.tickets += 1


def ground_truth(seed: int, accounts: int, tally: Tally, rows: dict[str, int]) -> dict[str, Any]:
    return {
        "generator": {"name": "learnsight demo", "version": VERSION},
        "seed": seed,
        "accounts": accounts,
        "window": {"from": clock.WINDOW_START.isoformat(), "to": clock.WINDOW_END.isoformat()},
        "effects": effects(),
        "confounding": confounding(),
        "parameters": {"model": jsonable(asdict(MODEL))},
        "realised": realised(tally),
        "rows": rows,
    }


def effects() -> dict[str, Any]:
    e = EFFECTS
    return {
        "churn": {"relative_risk": e.churn_relative_risk,
                  "applies_to": "the chance of churning at a renewal, for an account trained "
                                "before the renewal date"},
        "tickets": {"rate_ratio": e.ticket_rate_ratio,
                    "applies_to": "an account's tickets on a topic, from the first completion "
                                  "by one of its contacts of a course addressing that topic "
                                  "(catalog.ticket_topics); other topics are unaffected"},
        "feature_adoption": {"hazard_ratio": e.adoption_hazard_ratio,
                             "applies_to": "a user's monthly hazard of first using a feature, "
                                           "from their completion of a course teaching it "
                                           "(catalog.features)"},
        "time_to_value": {"time_ratio": e.time_to_value_ratio,
                          "applies_to": "the time an account still has to go to its first "
                                        "value event, from the moment it is trained"},
        "nps": {"score_shift": e.nps_shift,
                "applies_to": "each NPS answer (0-10, before rounding and clipping) from a "
                              "contact whose account is trained when answering"},
        "upsell": {"rate_ratio": e.upsell_rate_ratio,
                   "applies_to": "nothing: training has no effect on upsells"},
        "trained": "an account is trained from the first completion of any course by one of "
                   "its contacts (the glossary's default rule); strays do not count",
    }  # fmt: skip


def confounding() -> dict[str, Any]:
    return {
        "note": "bigger accounts are more likely to train (academy_logit rises with segment "
        "and, within a segment, by academy_seat_slope per log-seat), and independently churn "
        "less, answer NPS higher, take longer to reach value and open more tickets; a naive "
        "trained-vs-untrained comparison mixes these differences into the effect. Adjusting "
        "for segment and log(seats) removes the confounding.",
        "segments": [asdict(segment) for segment in SEGMENTS],
        "academy_seat_slope": MODEL.academy_seat_slope,
    }


def realised(tally: Tally) -> dict[str, Any]:
    ttv_trained = [(real, untrained) for _, real, untrained in tally.ttv_days if real != untrained]
    return {
        "accounts_by_segment": dict(sorted(tally.accounts.items())),
        "trained_accounts_by_segment": dict(sorted(tally.trained.items())),
        "renewals": [
            {"segment": segment, "trained": trained, "due": due, "churned": churned}
            for (segment, trained), (due, churned) in sorted(tally.renewals.items())
        ],
        "naive_churn_rate_at_renewal": naive_churn(tally),
        "prevented_churns": tally.prevented_churns,
        "prevented_churn_arr_usd": round(tally.prevented_churn_arr_usd, 2),
        "tickets": tally.tickets,
        "deflected_tickets": sum(tally.deflected.values()),
        "deflected_tickets_by_topic": dict(sorted(tally.deflected.items())),
        "time_to_value": {
            "accounts": len(tally.ttv_days),
            "shortened_by_training": len(ttv_trained),
            "median_days_saved": rounded(
                statistics.median(u - r for r, u in ttv_trained) if ttv_trained else None
            ),
        },
        "feature_adoption": {
            "adoptions_by_trained_users": tally.adoptions_trained,
            "mean_days_saved": rounded(
                tally.adoption_days_saved / tally.adoptions_trained
                if tally.adoptions_trained
                else None
            ),
        },
        "nps_mean_score": {
            "trained": rounded(statistics.fmean(tally.nps[True]) if tally.nps[True] else None),
            "untrained": rounded(statistics.fmean(tally.nps[False]) if tally.nps[False] else None),
        },
        "learning": dict(sorted(tally.learning.items())),
    }


def naive_churn(tally: Tally) -> dict[str, float | None]:
    """Churn rate at renewals of trained vs untrained accounts, all segments pooled."""
    out: dict[str, float | None] = {}
    for trained in (True, False):
        due = sum(v[0] for (_, t), v in tally.renewals.items() if t == trained)
        churned = sum(v[1] for (_, t), v in tally.renewals.items() if t == trained)
        out["trained" if trained else "untrained"] = rounded(churned / due if due else None)
    return out


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}
