"""Bulk writing of the business tables: rows gathered in Python, inserted as Arrow chunks.

Row-by-row INSERTs would take minutes for millions of product events; one Arrow table per
chunk takes DuckDB milliseconds. Column order follows schema.py.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

TEXT = pa.string()
TEXTS = pa.list_(pa.string())
TIME = pa.timestamp("us", tz="UTC")  # rows hold seconds; see Sink.add
DAY = pa.date32()
MONEY = pa.decimal128(18, 2)

SCHEMAS: dict[str, pa.Schema] = {
    name: pa.schema(fields)
    for name, fields in {
        "accounts": [
            ("id", TEXT), ("name", TEXT), ("domains", TEXTS), ("segment", TEXT),
            ("industry", TEXT), ("country", TEXT), ("seats", pa.int32()), ("arr", MONEY),
            ("currency", TEXT), ("contract_start", DAY), ("renewal_date", DAY),
            ("churned_at", DAY), ("owner", TEXT),
        ],
        "contacts": [
            ("id", TEXT), ("account_id", TEXT), ("email", TEXT), ("name", TEXT), ("role", TEXT),
            ("country", TEXT), ("region", TEXT), ("timezone", TEXT), ("created_at", TIME),
            ("crm_id", TEXT), ("helpdesk_id", TEXT), ("product_id", TEXT), ("lms_id", TEXT),
        ],
        "revenue_events": [
            ("id", TEXT), ("account_id", TEXT), ("date", DAY), ("kind", TEXT),
            ("amount", MONEY), ("currency", TEXT),
        ],
        "tickets": [
            ("id", TEXT), ("account_id", TEXT), ("requester_email", TEXT),
            ("created_at", TIME), ("solved_at", TIME), ("topic", TEXT), ("tags", TEXTS),
            ("channel", TEXT), ("priority", TEXT),
        ],
        "product_events": [
            ("message_id", TEXT), ("user_id", TEXT), ("email", TEXT), ("account_id", TEXT),
            ("event", TEXT), ("timestamp", TIME), ("properties", TEXT),
        ],
        "surveys": [
            ("id", TEXT), ("respondent", TEXT), ("account_id", TEXT), ("kind", TEXT),
            ("score", pa.float64()), ("comment", TEXT), ("timestamp", TIME), ("course_id", TEXT),
        ],
        "costs": [
            ("period_start", DAY), ("period_end", DAY), ("category", TEXT), ("amount", MONEY),
            ("currency", TEXT),
        ],
        "fx_rates": [("date", DAY), ("currency", TEXT), ("rate", pa.float64())],
        "catalog": [
            ("id", TEXT), ("kind", TEXT), ("name", TEXT), ("content_type", TEXT),
            ("created_at", TIME), ("updated_at", TIME), ("paths", TEXTS), ("features", TEXTS),
            ("ticket_topics", TEXTS),
        ],
        "organisation": [("key", TEXT), ("value", TEXT)],
    }.items()
}  # fmt: skip
CHUNK_ROWS = 200_000


class Sink:
    """Rows of one table, flushed to DuckDB a chunk at a time (or only counted, for a dry run).

    Timestamp columns take whole seconds since the epoch, converted here in one pass.
    """

    def __init__(self, table: str, cursor: duckdb.DuckDBPyConnection | None) -> None:
        self.table, self.cursor = table, cursor
        self.schema = SCHEMAS[table]
        self.times = [i for i, kind in enumerate(self.schema.types) if kind == TIME]
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.rows and self.cursor is not None:
            columns = [list(column) for column in zip(*self.rows, strict=True)]
            for i in self.times:
                columns[i] = [None if s is None else s * 1_000_000 for s in columns[i]]
            arrays = [pa.array(c, t) for c, t in zip(columns, self.schema.types, strict=True)]
            chunk = pa.Table.from_arrays(arrays, schema=self.schema)
            names = ", ".join(self.schema.names)
            self.cursor.register("demo_chunk", chunk)
            self.cursor.execute(
                f"INSERT INTO {self.table} ({names}) SELECT {names} FROM demo_chunk"
            )
            self.cursor.unregister("demo_chunk")
        self.rows.clear()


class Sinks:
    """One sink per business table, sharing a write transaction's cursor."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection | None) -> None:
        self.by_table = {table: Sink(table, cursor) for table in SCHEMAS}

    def __getitem__(self, table: str) -> Sink:
        return self.by_table[table]

    def flush(self) -> None:
        for sink in self.by_table.values():
            sink.flush()

    def counts(self) -> dict[str, int]:
        return {table: sink.count for table, sink in self.by_table.items()}
