"""KPI rows as CSV, for the API's `format=csv` and the CLI's `--format csv`."""

from __future__ import annotations

import csv
import io
from typing import Any


def as_csv(rows: list[dict[str, Any]]) -> str:
    """The rows under a header of their columns; nothing for no rows."""
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()
