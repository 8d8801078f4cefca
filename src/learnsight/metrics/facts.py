"""Facts: the relations most KPIs start from, kept as tables instead of recomputed per query.

- `learning_facts`: every counted statement with its learner, account, course and local day.
- `usage_facts`: product usage, one row per user, account, event and local day.
- `ticket_facts`: every ticket with its account and local day.

Deriving them (a statement's course through the catalog, a product event's person through the
identities, and for both the day in the organisation's time zone, a conversion per row) was most
of a KPI's time on millions of records. Each is an Ibis expression, rebuilt when an input
changed (learnsight.derived_tables says when); every KPI context calls `ensure_fresh` first, so
a KPI never reads facts older than the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir

from learnsight.db import Database
from learnsight.derived_tables import LEARNING, TICKETS, USAGE, Derived, mark_built, refresh_plan
from learnsight.metrics.builtins import local_time
from learnsight.xapi.statements import VOIDED_VERB
from learnsight.xapi.verbs import COURSE_TYPE

Table = Callable[[str], ir.Table]  # a table of the engine, by name


def learning_relation(
    table: Table, zone: str, after: int | None = None, until: int | None = None
) -> ir.Table:
    """One row per counted statement (neither voided nor voiding): who (learner, account),
    what (course, item), when (ts; day, its date in the organisation's time zone `zone`; the
    weekday and hour on the learner's own clock); only statements whose seq is after `after`
    and up to `until`, when given."""
    statements, catalog, contacts = table("statements"), table("catalog"), table("contacts")
    s = statements.filter(~statements.voided, statements.verb_id != VOIDED_VERB)
    if after is not None:
        s = s.filter(s.seq > after)
    if until is not None:
        s = s.filter(s.seq <= until)
    zones = contacts.select(zone_of=contacts.id, own_zone=contacts.timezone)
    s = s.left_join(zones, s.contact_id == zones.zone_of)
    # The learner's wall clock: their own time zone when known, else the organisation's.
    learner_time = local_time(s.timestamp, s.own_zone.fill_null(zone))
    course_ids = catalog.filter(catalog.kind == "course").id
    is_course = (s.activity_type == COURSE_TYPE) | s.object_id.isin(course_ids)
    parent = s.context_parent_ids[0]
    grouping = s.context_grouping_ids[0]
    return s.select(
        seq=s.seq,
        ts=s.timestamp,
        day=local_time(s.timestamp, ibis.literal(zone)).date(),
        learner=s.contact_id.fill_null(s.actor_key),
        account_id=s.account_id,
        course_id=ibis.cases(
            (is_course, s.object_id),
            (parent.isin(course_ids), parent),
            (grouping.isin(course_ids), grouping),
            else_=parent.fill_null(grouping),
        ),
        item_id=s.object_id,
        verb_id=s.verb_id,
        registration=s.registration,
        score_scaled=s.result_score_scaled,
        success=s.result_success,
        learner_weekday=learner_time.day_of_week.index() + 1,  # 1 = Monday
        learner_hour=learner_time.hour(),
    )


def usage_relation(table: Table, zone: str) -> ir.Table:
    """(user, account_id, event, day), once per user, event and local day: the user is the
    resolved contact, else the product's user id or e-mail; the account the event's own, else
    the user's."""
    events, ids = table("product_events"), table("identities")
    ids = ids.filter(ids.source == "event").select(
        event_identity="identity", id_contact="contact_id", id_account="account_id"
    )
    identity = events.user_id.fill_null(events.email)
    joined = events.left_join(ids, identity == ids.event_identity)
    return joined.select(
        user=joined.id_contact.fill_null(identity),
        account_id=joined.account_id.fill_null(joined.id_account),
        event=joined.event,
        day=local_time(joined.timestamp, ibis.literal(zone)).date(),
    ).distinct()


def ticket_relation(table: Table, zone: str) -> ir.Table:
    """(account_id, topic, day): every ticket, with its own account else its requester's
    (identity resolution), and the local day it was opened."""
    tickets, ids = table("tickets"), table("identities")
    ids = ids.filter(ids.source == "ticket").select(
        ticket_identity="identity", id_account="account_id"
    )
    joined = tickets.left_join(ids, tickets.requester_email == ids.ticket_identity)
    return joined.select(
        account_id=joined.account_id.fill_null(joined.id_account),
        topic=joined.topic,
        day=local_time(joined.created_at, ibis.literal(zone)).date(),
    )


BUILDERS: dict[Derived, Callable[[Table, str], ir.Table]] = {
    LEARNING: learning_relation,
    USAGE: usage_relation,
    TICKETS: ticket_relation,
}


def ensure_fresh(db: Database, backend: Any, zone: str) -> int | None:
    """Rebuild the stale facts and append the statements resolved since, under the write lock
    (a concurrent reader that found them stale finds them fresh once it holds the lock);
    returns the seq of the statements the learning facts hold up to, None when they hold
    every statement."""
    plan = refresh_plan(db.read())
    if not plan.needed:
        return plan.learning_seq if plan.learning_seq < plan.last_seq else None
    with db.write() as cur:
        plan = refresh_plan(cur)
        for derived in plan.rebuild:
            relation = BUILDERS[derived](backend.table, zone)
            if derived is LEARNING:  # the resolved statements; newer ones are read live
                relation = learning_relation(backend.table, zone, until=plan.hold_until)
            # Ibis writes the SELECT; the writer builds the table, in its transaction.
            cur.execute(f"CREATE OR REPLACE TABLE {derived.table} AS {backend.compile(relation)}")
            mark_built(cur, derived, plan.hold_until)
        if LEARNING not in plan.rebuild and plan.learning_seq < plan.hold_until:
            append_learning(cur, backend, zone, plan.learning_seq, plan.hold_until)
    held = max(plan.learning_seq, plan.hold_until)
    return held if held < plan.last_seq else None


def append_learning(cur: Any, backend: Any, zone: str, after: int, until: int) -> None:
    """The statements resolved since the learning facts were built, added to them (voiding an
    older statement makes the facts stale: xapi.store)."""
    relation = learning_relation(backend.table, zone, after=after, until=until)
    cur.execute(f"INSERT INTO {LEARNING.table} {backend.compile(relation)}")
    mark_built(cur, LEARNING, until)
