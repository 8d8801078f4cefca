"""The named KPIs: each a definition (formula, unit, grain, dimensions) and its expression."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir

from learnsight.metrics.context import LEARNER_DIMENSIONS, Context
from learnsight.metrics.query import Query

Compute = Callable[[Context, Query], ir.Table]


@dataclass(frozen=True)
class Param:
    default: str
    doc: str


@dataclass(frozen=True)
class KPI:
    name: str
    definition: str  # the formula in words, as the glossary gives it
    unit: str  # learners, count, share (0-1), score, days, money...
    grain: str  # the default time grain
    dimensions: tuple[str, ...]
    compute: Compute = field(repr=False)
    params: dict[str, Param] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name, "definition": self.definition, "unit": self.unit,
            "grain": self.grain, "dimensions": list(self.dimensions),
            "params": {k: {"default": p.default, "doc": p.doc} for k, p in self.params.items()},
        }  # fmt: skip


REGISTRY: dict[str, KPI] = {}


def kpi(
    name: str,
    definition: str,
    unit: str,
    grain: str = "month",
    dimensions: tuple[str, ...] = LEARNER_DIMENSIONS,
    params: dict[str, Param] | None = None,
) -> Callable[[Compute], Compute]:
    """Register the decorated function as the KPI `name`."""

    def register(compute: Compute) -> Compute:
        if name in REGISTRY or name == "list":  # `learnsight kpi list` lists them
            raise ValueError(f"KPI name {name!r} is taken")
        REGISTRY[name] = KPI(name, definition, unit, grain, dimensions, compute, params or {})
        return compute

    return register


def all_kpis() -> dict[str, KPI]:
    """Every KPI, the modules that define them imported on first use."""
    from learnsight.metrics import (
        business,  # noqa: F401  (with its tickets and adoption modules)
        cohorts,  # noqa: F401
        content,  # noqa: F401
        programme,  # noqa: F401  (registers its KPIs)
        surveys,  # noqa: F401
    )

    return REGISTRY
