"""One account's story: its learning, then its commercial life, which the learning shapes.

Learning is simulated over the whole window first; churn at each renewal then depends on
whether the account was trained by that date; finally everything after a churn is cut off.
That order is consistent: a churn decision only looks at completions before it, and cutting
only removes what comes after it. A story is cheap to tell again, which is how the statements
phase gets it back without keeping millions of steps in memory.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from learnsight.demo import learning, lifecycle
from learnsight.demo.company import Account
from learnsight.demo.learning import Enrolment
from learnsight.demo.lifecycle import Lifecycle


@dataclass
class Story:
    account: Account
    enrolments: list[Enrolment]
    life: Lifecycle
    trained_at: int | None  # the account's first completion by one of its contacts

    def completions(self, person_id: str) -> dict[str, int]:
        """Course slug → when this contact completed it."""
        return {
            e.course.slug: e.completed_at
            for e in self.enrolments
            if e.person.id == person_id and e.completed_at is not None
        }

    def topic_coverage(self) -> dict[str, int]:
        """Ticket topic → when a contact first completed a course addressing it."""
        covered: dict[str, int] = {}
        for e in self.enrolments:
            if e.completed_at is None or not e.person.listed:
                continue
            for topic in e.course.topics:
                covered[topic] = min(covered.get(topic, e.completed_at), e.completed_at)
        return covered


def tell(seed: int, account: Account, namespace: uuid.UUID) -> Story:
    enrolments = learning.simulate(seed, account, namespace)
    trained_at = first_completion(enrolments)
    life = lifecycle.simulate(seed, account, trained_at)
    for enrolment in enrolments:
        enrolment.cut(life.end)
    enrolments = [e for e in enrolments if e.steps]
    return Story(account, enrolments, life, first_completion(enrolments))


def first_completion(enrolments: list[Enrolment]) -> int | None:
    """The glossary's "trained": from the first completion by one of the account's contacts
    (strays are not contacts, so their completions do not count)."""
    times = [e.completed_at for e in enrolments if e.completed_at is not None and e.person.listed]
    return min(times, default=None)
