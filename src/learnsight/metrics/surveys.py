"""Survey KPIs: post-course smile sheets, CSAT, NPS and customer effort (CES).

An answer belongs to its respondent's contact and to the survey row's own account, else the
account identity resolution found for the respondent (`identities`, source `survey`). Scores
outside a kind's scale are left out of the value: a period whose answers are all out of range
shows null, never 0.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis.expr.types as ir

from learnsight.metrics.context import Context, ratio
from learnsight.metrics.query import Query
from learnsight.metrics.registry import kpi

# The scale of each kind of answer, inclusive.
SCALES = {"smile_sheet": (1, 5), "csat": (1, 5), "ces": (1, 7), "nps": (0, 10)}
RESPONDENT_DIMENSIONS = ("account", "segment", "industry", "country", "region", "role")
COURSE_DIMENSIONS = ("course", "content_type", "learning_path")


def answers(ctx: Context, kind: str) -> ir.Table:
    """One row per answer of a kind: when, who (learner, account), course, score, in range."""
    surveys = ctx.table("surveys")
    surveys = surveys.filter(surveys.kind == kind)
    ids = ctx.table("identities")
    ids = ids.filter(ids.source == "survey").select(
        "identity", resolved_contact="contact_id", resolved_account="account_id"
    )
    rows = surveys.left_join(ids, surveys.respondent == ids.identity)
    low, high = SCALES[kind]
    facts = rows.select(
        ts=rows.timestamp,
        learner=rows.resolved_contact.fill_null(rows.respondent),
        account_id=rows.account_id.fill_null(rows.resolved_account),
        course_id=rows.course_id,
        score=rows.score,
        valid=rows.score.between(low, high),
    )
    # A selected join would absorb the dimension joins into its own chain, where Ibis cannot
    # resolve their keys; a view makes it a relation of its own.
    return facts.view()


def survey_kpi(
    ctx: Context, query: Query, kind: str, name: str, measure: Callable[[ir.Table], ir.Value]
) -> ir.Table:
    dims = RESPONDENT_DIMENSIONS + (COURSE_DIMENSIONS if kind == "smile_sheet" else ())
    return ctx.finish(answers(ctx, kind), query, name, measure, dims=dims)


def valid_mean(t: ir.Table) -> ir.Value:
    return t.score.mean(where=t.valid)


@kpi("smile_sheet", "mean post-course rating (smile sheet, 1-5)", "score (1-5)",
     dimensions=RESPONDENT_DIMENSIONS + COURSE_DIMENSIONS)  # fmt: skip
def smile_sheet(ctx: Context, query: Query) -> ir.Table:
    return survey_kpi(ctx, query, "smile_sheet", "smile_sheet", valid_mean)


@kpi("csat", "share of CSAT answers (1-5) scoring 4 or 5", "share",
     dimensions=RESPONDENT_DIMENSIONS)  # fmt: skip
def csat(ctx: Context, query: Query) -> ir.Table:
    def satisfied(t: ir.Table) -> ir.Value:
        return ratio(t.count(where=t.valid & (t.score >= 4)), t.count(where=t.valid))

    return survey_kpi(ctx, query, "csat", "csat", satisfied)


@kpi("csat_mean", "mean CSAT answer (1-5)", "score (1-5)", dimensions=RESPONDENT_DIMENSIONS)
def csat_mean(ctx: Context, query: Query) -> ir.Table:
    return survey_kpi(ctx, query, "csat", "csat_mean", valid_mean)


@kpi("ces", "mean customer-effort score (1-7)", "score (1-7)", dimensions=RESPONDENT_DIMENSIONS)
def ces(ctx: Context, query: Query) -> ir.Table:
    return survey_kpi(ctx, query, "ces", "ces", valid_mean)


@kpi("nps", "% promoters (9-10) - % detractors (0-6) among NPS answers (0-10)",
     "score (-100 to 100)", dimensions=RESPONDENT_DIMENSIONS)  # fmt: skip
def nps(ctx: Context, query: Query) -> ir.Table:
    def net(t: ir.Table) -> ir.Value:
        promoters = t.count(where=t.valid & (t.score >= 9))
        detractors = t.count(where=t.valid & (t.score <= 6))
        return ratio(100 * (promoters - detractors), t.count(where=t.valid))

    return survey_kpi(ctx, query, "nps", "nps", net)
