"""Trained: from when a learner, and an account, count as trained (the glossary's dimension).

By default a learner is trained from their first completion of any course, and an account from
the first time one of its learners is trained. The data directory's kpis.yaml may narrow that:

    trained:
      course: https://academy.example.com/courses/onboarding   # or path: <a learning path IRI>
      within_days: 60    # only completions at most 60 days after the account's contract start

Completing a course means a completion statement whose object is the course (of the course
activity type, or a catalog course); completing a video inside it does not count. With `course`,
only completions of that activity count. With `path`, a learner is trained once they have
completed every catalog course of the path (from the first completion of the last of them), or
completed the path activity itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from learnsight.metrics.config import fail, shown
from learnsight.metrics.context import Context
from learnsight.xapi.validate import is_iri

RULE_KEYS = ("course", "path", "within_days")
TS = dt.Timestamp(timezone="UTC", nullable=True)  # a union needs the same type on both sides


@dataclass(frozen=True)
class TrainedRule:
    course: str | None = None  # only completions of this course train
    path: str | None = None  # only completing this whole path trains
    within_days: int | None = None  # only completions at most this many days after the start


def parse_rule(config: dict[str, Any]) -> TrainedRule:
    """The `trained` rule of kpis.yaml, or the default; a bad rule is a one-line error."""
    raw = config.get("trained")
    if raw is None:
        return TrainedRule()
    if not isinstance(raw, dict):
        fail("trained", f"expected a mapping (course or path, within_days), got {shown(raw)}")
    for key in raw:
        if key not in RULE_KEYS:
            fail(f"trained.{key}", f"unknown key (known: {', '.join(RULE_KEYS)})")
    if "course" in raw and "path" in raw:
        fail("trained", "give course or path, not both")
    for key in ("course", "path"):
        value = raw.get(key)
        if key in raw and not is_iri(value):
            fail(f"trained.{key}", f"expected an activity IRI, got {shown(value)}")
    days = raw.get("within_days")
    if "within_days" in raw and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
        fail(
            "trained.within_days", f"expected a whole number of days (0 or more), got {shown(days)}"
        )
    return TrainedRule(raw.get("course"), raw.get("path"), days)


def completions(ctx: Context) -> ir.Table:
    """Completion statements (learner, account_id, object_id, is_course, ts, day). Completing
    a course means a completion whose object is the course (an activity of the course type, or
    a catalog course): completing a video inside it is not completing the course."""
    rows = ctx.events("completed")
    return rows.select(
        "learner", "account_id", "ts", "day",
        object_id=rows.item_id,
        is_course=rows.item_id == rows.course_id,  # the learning facts' course of a course
    )  # fmt: skip


def qualifying_completions(ctx: Context, rule: TrainedRule) -> ir.Table:
    """The completions the rule's window lets count."""
    done = completions(ctx)
    if rule.within_days is None:
        return done
    accounts = ctx.table("accounts").select(start_account=ibis._.id, start=ibis._.contract_start)
    joined = done.inner_join(accounts, done.account_id == accounts.start_account)
    in_window = joined.day.delta(joined.start, unit="day") <= rule.within_days
    return joined.filter(in_window).select(*done.columns)


def path_completions(ctx: Context, done: ir.Table, path: str) -> ir.Table:
    """(learner, account_id, ts): when each learner finished every course of `path`, or
    completed the path activity itself."""
    courses = ctx.courses
    members = courses.filter(courses.paths.contains(path)).select(object_id=courses.id)
    if members.count().to_pyarrow().as_py() == 0:
        fail("trained.path", f"no course of the catalog belongs to the path {path}")
    firsts = (
        done.inner_join(members, "object_id")
        .group_by(["learner", "account_id", "object_id"])
        .aggregate(ts=ibis._.ts.min())
    )
    per_learner = firsts.group_by(["learner", "account_id"]).aggregate(
        courses=ibis._.object_id.nunique(), ts=ibis._.ts.max()
    )
    finished = per_learner.filter(per_learner.courses == members.count().as_scalar())
    itself = done.filter(done.object_id == path)
    parts = (finished, itself)
    return ibis.union(*(p.select("learner", "account_id", ts=p.ts.cast(TS)) for p in parts))


def learner_training(ctx: Context) -> ir.Table:
    """(learner, account_id, trained_at): when each learner became trained, by the rule."""
    rule = parse_rule(ctx.config)
    done = qualifying_completions(ctx, rule)
    if rule.course is not None:
        done = done.filter(done.object_id == rule.course)
    elif rule.path is not None:
        done = path_completions(ctx, done, rule.path)
    else:
        done = done.filter(done.is_course)
    return done.group_by(["learner", "account_id"]).aggregate(trained_at=ibis._.ts.min())


def learners_trained(ctx: Context) -> ir.Table:
    """(learner, trained_on): the local day each learner became trained."""
    rows = learner_training(ctx)
    return rows.group_by("learner").aggregate(trained_on=rows.trained_at.min().date())


def accounts_trained(ctx: Context) -> ir.Table:
    """(account_id, trained_on): the local day each account's first learner became trained."""
    rows = learner_training(ctx)
    rows = rows.filter(rows.account_id.notnull())
    return rows.group_by("account_id").aggregate(trained_on=rows.trained_at.min().date())


def trainings_by_subject(ctx: Context, mapping: str) -> ir.Table:
    """(learner, account_id, subject, trained_on): the first completion of a course that the
    catalog maps to each subject, `mapping` being `features` or `ticket_topics`."""
    courses = ctx.courses
    subjects = courses.select(object_id=courses.id, subject=courses[mapping].unnest())
    done = completions(ctx)
    joined = done.inner_join(subjects, "object_id")
    return joined.group_by(["learner", "account_id", "subject"]).aggregate(
        trained_on=joined.ts.min().date()
    )
