"""KPI targets from `kpis.yaml`: a bound per KPI (and per account segment), and on/off status.

A target is a floor (`min`: on target when the value is at least it) or a ceiling (`max`: on
target when the value is at most it). A row is judged against its segment's bound when the row
has a segment (the query splits by segment) or the query keeps exactly one segment; otherwise
against the KPI's own bound. A null value is neither on nor off target: `on_target` is null.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from learnsight.metrics.query import Query


@dataclass(frozen=True)
class Target:
    direction: str  # "min" (higher is better) or "max" (lower is better)
    bound: float
    by_segment: dict[str, float] = field(default_factory=dict)

    def bound_for(self, segment: Any) -> float:
        return self.by_segment.get(segment, self.bound) if isinstance(segment, str) else self.bound

    def met(self, value: Any, bound: float) -> bool | None:
        if value is None:
            return None
        return bool(value >= bound) if self.direction == "min" else bool(value <= bound)

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {self.direction: self.bound}
        if self.by_segment:
            described["by_segment"] = dict(self.by_segment)
        return described

    def summary(self) -> str:
        """One line for a terminal: `>= 0.7 (enterprise >= 0.8)`."""
        sign = ">=" if self.direction == "min" else "<="
        text = f"{sign} {self.bound:g}"
        if self.by_segment:
            text += " (" + ", ".join(f"{s} {sign} {b:g}" for s, b in self.by_segment.items()) + ")"
        return text


def with_targets(
    rows: list[dict[str, Any]], name: str, target: Target, query: Query
) -> list[dict[str, Any]]:
    """Each row with `target` (the bound that applies to it) and `on_target` after the value."""
    chosen = query.filters.get("segment", ())
    segment = chosen[0] if len(chosen) == 1 else None
    out = []
    for row in rows:
        bound = target.bound_for(row["segment"] if "segment" in query.by else segment)
        out.append({**row, "target": bound, "on_target": target.met(row[name], bound)})
    return out
