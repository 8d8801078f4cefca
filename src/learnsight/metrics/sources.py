"""What a custom KPI counts: learning events, or the rows of a business table, as facts.

Every source gives its own columns plus `learner` (a contact id, else the identity the row
names), `account_id` and `course_id`, the columns `Context.with_dimensions` joins on, so that
custom KPIs split and filter like the built-in ones. Business rows reach their person through
the identities that `learnsight.identity.resolve` materialised; a row's own account wins over
its person's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from learnsight.metrics.context import LEARNER_DIMENSIONS, Context

Build = Callable[[Context], ir.Table]


@dataclass(frozen=True)
class Source:
    name: str
    time: str  # the column that places a row in a period, unless a KPI names another
    learner: bool  # rows name a person
    account: bool  # rows belong to an account
    course: bool  # rows belong to a course (or are one)
    build: Build

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimensions its facts can be split and filtered by."""
        if self.learner and self.account and self.course:
            return LEARNER_DIMENSIONS
        usable = set()
        if self.course:
            usable |= {"course", "learning_path", "content_type"}
        if self.account:
            usable |= {"account", "segment", "industry"}
        if self.learner:
            usable |= {"region", "role"}
        if self.learner or self.account:
            usable.add("country")
        return tuple(dim for dim in LEARNER_DIMENSIONS if dim in usable)


def identified(
    table: str, identity_source: str, identity: Callable[[ir.Table], ir.StringValue]
) -> Build:
    """A business table's rows with the contact and account of the identity each names."""

    def build(ctx: Context) -> ir.Table:
        rows = ctx.table(table)
        ids = ctx.table("identities")
        ids = ids.filter(ids.source == identity_source).select(
            who=ids.identity, who_contact=ids.contact_id, who_account=ids.account_id
        )
        key = identity(rows)
        joined = rows.left_join(ids, key == ids.who)
        own = [rows[c] for c in rows.columns if c not in ("account_id", "course_id")]
        return joined.select(
            *own,
            learner=joined.who_contact.fill_null(key),
            account_id=rows.account_id.fill_null(joined.who_account),
            course_id=rows.course_id if "course_id" in rows.columns else null_text(),
        )

    return build


def plain(table: str, learner: str | None, account: str | None, course: str | None) -> Build:
    """A table whose own columns are the learner, the account and the course (or none)."""

    def build(ctx: Context) -> ir.Table:
        rows = ctx.table(table)
        keys = {"learner": learner, "account_id": account, "course_id": course}
        own = [c for c in rows.columns if c not in keys]
        made = {k: rows[c].cast("string") if c else null_text() for k, c in keys.items()}
        return rows.select(*own, **made)

    return build


def null_text() -> ir.StringValue:
    return ibis.null().cast("string")


def learning(ctx: Context) -> ir.Table:
    return ctx.learning


# Learning records: `events: CLASS` in kpis.yaml (not a table a KPI names).
LEARNING = Source("events", "ts", True, True, True, learning)

TABLES: dict[str, Source] = {
    source.name: source
    for source in (
        Source("accounts", "contract_start", False, True, False,
               plain("accounts", None, "id", None)),
        Source("contacts", "created_at", True, True, False,
               plain("contacts", "id", "account_id", None)),
        Source("tickets", "created_at", True, True, False,
               identified("tickets", "ticket", lambda t: t.requester_email)),
        Source("product_events", "timestamp", True, True, False,
               identified("product_events", "event", lambda t: t.user_id.fill_null(t.email))),
        Source("surveys", "timestamp", True, True, True,
               identified("surveys", "survey", lambda t: t.respondent)),
        Source("revenue_events", "date", False, True, False,
               plain("revenue_events", None, "account_id", None)),
        Source("costs", "period_start", False, False, False, plain("costs", None, None, None)),
        Source("catalog", "created_at", False, False, True, plain("catalog", None, None, "id")),
    )
}  # fmt: skip
