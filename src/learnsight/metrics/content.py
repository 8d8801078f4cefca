"""Content KPIs: which items learners view and finish, where they drop off, and how the
catalog grows.

An item is the object of a statement (a video, a document, a quiz, or a course itself); its
content type is the one of its own catalog row (kind `item` or `course`), which imports and the
activity definitions fill, never the type of the course around it.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from learnsight.metrics.context import LEARNER_DIMENSIONS, Context, distinct_where, ratio
from learnsight.metrics.programme import always_by
from learnsight.metrics.query import Query, QueryError
from learnsight.metrics.registry import Param, kpi

ITEM_DIMENSIONS = (*LEARNER_DIMENSIONS, "item")
CATALOG_DIMENSIONS = ("course", "learning_path", "content_type")
CATALOG_KINDS = ("course", "path")
# A learner has finished an item when they completed, passed or failed it: a graded
# assessment is over even when no `completed` statement says so.
FINISHED = ("completed", "passed", "failed")


def item_rows(ctx: Context, verb_classes: tuple[str, ...]) -> ir.Table:
    """Learning rows of some verb classes, with columns `item` and the item's `content_type`."""
    verbs = sorted({verb for name in verb_classes for verb in ctx.verbs[name]})
    rows = ctx.learning.filter(ctx.learning.verb_id.isin(verbs))
    catalog = ctx.table("catalog")
    items = catalog.filter(catalog.kind.isin(["item", "course"]))
    items = items.select(item=items.id, content_type=items.content_type)
    joined = rows.left_join(items, rows.item_id == items.item)
    return joined.select(*rows.columns, item=joined.item_id, content_type=joined.content_type)


@kpi("content_popularity", "views per item: learners who launched or experienced it "
     "(started or progressed verbs) in the period, with the learners who completed it in a "
     "`completions` column", "learners", grain="all", dimensions=ITEM_DIMENSIONS)  # fmt: skip
def content_popularity(ctx: Context, query: Query) -> ir.Table:
    rows = item_rows(ctx, ("started", "progressed", "completed"))
    completed = rows.verb_id.isin(list(ctx.verbs["completed"]))
    viewed = rows.verb_id.isin(sorted({*ctx.verbs["started"], *ctx.verbs["progressed"]}))
    facts = rows.mutate(viewed=viewed, completed=completed)
    return ctx.finish(
        facts,
        always_by(query, ("item",)),
        "content_popularity",
        lambda t: distinct_where(t.learner, t.viewed),
        dims=ITEM_DIMENSIONS,
        extra={"completions": lambda t: distinct_where(t.learner, t.completed)},
    )


@kpi("dropoff_by_content_type", "share of the learners who started an item in the period who "
     "have not completed it (nor passed or failed it, as of now), by the item's content type",
     "share", grain="all", dimensions=ITEM_DIMENSIONS)  # fmt: skip
def dropoff_by_content_type(ctx: Context, query: Query) -> ir.Table:
    started = item_rows(ctx, ("started",))
    done = item_rows(ctx, FINISHED).select("learner", "item").distinct()
    done = done.mutate(finished=ibis.literal(True))
    facts = started.left_join(done, ["learner", "item"]).select(
        *started.columns, finished=ibis._.finished.fill_null(False)
    )

    def share(t: ir.Table) -> ir.Value:
        pair = t.learner.concat("\x1f", t.item)
        return ratio(distinct_where(pair, ~t.finished), pair.nunique())

    query = always_by(query, ("content_type",))
    return ctx.finish(facts, query, "dropoff_by_content_type", share, dims=ITEM_DIMENSIONS)


KIND = Param("course", "which catalog rows count: course or path")


@kpi("courses_created", "catalog courses (or paths: param kind) created in the period "
     "(catalog created_at)", "courses", dimensions=CATALOG_DIMENSIONS,
     params={"kind": KIND})  # fmt: skip
def courses_created(ctx: Context, query: Query) -> ir.Table:
    rows = catalog_rows(ctx, query)
    facts = rows.mutate(ts=rows.created_at)
    return ctx.finish(facts, query, "courses_created", count, dims=CATALOG_DIMENSIONS)


@kpi("courses_updated", "catalog courses (or paths: param kind) last updated in the period "
     "(catalog updated_at, when later than created_at)", "courses",
     dimensions=CATALOG_DIMENSIONS, params={"kind": KIND})  # fmt: skip
def courses_updated(ctx: Context, query: Query) -> ir.Table:
    rows = catalog_rows(ctx, query)
    changed = rows.created_at.isnull() | (rows.updated_at > rows.created_at)
    facts = rows.filter(rows.updated_at.notnull() & changed).mutate(ts=rows.updated_at)
    return ctx.finish(facts, query, "courses_updated", count, dims=CATALOG_DIMENSIONS)


def catalog_rows(ctx: Context, query: Query) -> ir.Table:
    """Catalog rows of the kind asked, shaped as facts: the row is its own course."""
    kind = query.params.get("kind", KIND.default)
    if kind not in CATALOG_KINDS:
        raise QueryError(f"param: kind {kind!r} is not one of {', '.join(CATALOG_KINDS)}")
    catalog = ctx.table("catalog")
    rows = catalog.filter(catalog.kind == kind)
    return rows.select(
        "created_at",
        "updated_at",
        learner=ibis.null("string"),
        account_id=ibis.null("string"),
        course_id=rows.id,
    )


def count(t: ir.Table) -> ir.Value:
    return t.count()
