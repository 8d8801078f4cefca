"""Each field type's parsing and checks, as DuckDB SQL over the source's text values.

Rows are checked inside DuckDB, not one by one in Python: for a field, `typed` is the stored
value (NULL when the text cannot be read) and `error` the reason a row is rejected (else NULL).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytz

from learnsight.ingest.kinds import Field, FieldType
from learnsight.ingest.mapping import Source

T = FieldType
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"
# A time followed by an offset (Z, +02:00, -0700): such a timestamp names its own zone.
OFFSET_PATTERN = r"\d:\d\d(:\d\d(\.\d+)?)?\s*([zZ]|[+-]\d\d(:?\d\d)?)$"
# Common English names that zone.tab (pytz.country_names) spells otherwise.
COUNTRY_ALIASES = {
    "uk": "GB", "united kingdom": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "usa": "US", "united states of america": "US",
    "south korea": "KR", "korea": "KR", "russia": "RU", "vietnam": "VN", "czech republic": "CZ",
}  # fmt: skip


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class FieldSQL:
    raw: str  # the cleaned source text (NULL when blank)
    typed: str  # the stored value
    error: str  # NULL, or {column, value, rule}: why the row is rejected


def field_sql(field: Field, source: Source, column_sql: str | None) -> FieldSQL:
    """SQL for one field; `column_sql` reads the source column as text (None: a constant)."""
    raw = f"nullif(trim({column_sql}), '')" if column_sql else literal(source.value or "")
    if source.values:
        cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in source.values.items())
        raw = f"(CASE {raw} {cases} ELSE {raw} END)"
    if source.transform == "domain":
        raw = f"nullif(lower(regexp_extract({raw}, '^(?:[a-z]+://)?(?:[^@/]*@)?(?:www\\.)?([^/:?#]+)', 1)), '')"  # noqa: E501
    if field.default is not None:
        raw = f"coalesce({raw}, {literal(field.default)})"
    typed, expected = typed_sql(field, source, raw)
    column = literal(" + ".join(source.columns) or "(constant)")
    missing = literal(f"{field.name} is required") if field.required else "NULL"
    invalid = literal("not " + expected)
    rule = f"CASE WHEN {raw} IS NULL THEN {missing} WHEN {typed} IS NULL THEN {invalid} END"
    error = (
        f"CASE WHEN ({rule}) IS NOT NULL "
        f"THEN {{'column': {column}, 'value': {raw}, 'rule': {rule}}} END"
    )
    return FieldSQL(raw, typed, error)


def typed_sql(field: Field, source: Source, raw: str) -> tuple[str, str]:
    """(expression of the stored value, what a valid value is) for a field's type."""
    kind = field.type
    if kind is T.TEXT:
        return raw, "text"
    if kind is T.EMAIL:
        return (
            f"CASE WHEN regexp_full_match({raw}, {literal(EMAIL_PATTERN)}) THEN lower({raw}) END",
            "an e-mail address",
        )
    if kind in (T.DATE, T.TIMESTAMP):
        return time_sql(kind, source.formats, raw, source.timezone)
    if kind is T.INTEGER:
        # A plain cast rounds 4.5 to 5: a fraction is rejected instead.
        whole = f"try_cast({raw} AS DOUBLE) % 1 = 0"
        return f"CASE WHEN {whole} THEN try_cast({raw} AS INTEGER) END", "a whole number"
    if kind is T.DECIMAL:
        return f"try_cast({raw} AS DECIMAL(18, 2))", "an amount"
    if kind is T.NUMBER:
        value = f"try_cast({raw} AS DOUBLE)"
        return f"CASE WHEN isfinite({value}) THEN {value} END", "a number"
    if kind is T.COUNTRY:
        return f"country_code({raw})", "an ISO 3166-1 country code or name"
    if kind is T.CURRENCY:
        return (
            f"CASE WHEN regexp_full_match(upper({raw}), '[A-Z]{{3}}') THEN upper({raw}) END",
            "an ISO 4217 currency code",
        )
    if kind is T.TIMEZONE:
        return f"timezone_name({raw})", "an IANA time zone such as Europe/Paris"
    if kind is T.LIST:
        return list_sql(raw, source.separators or ";,"), "a list"
    if kind is T.JSON:
        return f"CASE WHEN json_valid({raw}) THEN json({raw}) END", "JSON"
    cases = " ".join(f"WHEN {literal(c.lower())} THEN {literal(c)}" for c in field.choices)
    return f"(CASE lower({raw}) {cases} END)", "one of " + ", ".join(field.choices)


def time_sql(
    kind: FieldType, formats: tuple[str, ...], raw: str, zone: str | None = None
) -> tuple[str, str]:
    """A date or timestamp; `zone` is where times written without an offset were taken."""
    if not formats:
        cast = f"try_cast({raw} AS TIMESTAMPTZ)"
        if kind is T.DATE:
            return f"coalesce(try_cast({raw} AS DATE), {cast}::DATE)", "a date (YYYY-MM-DD)"
        if zone is not None:
            # A TIMESTAMP cast ignores an offset, so only offset-less text is read in `zone`.
            local = f"timezone({literal(zone)}, try_cast({raw} AS TIMESTAMP))"
            has_offset = f"regexp_matches({raw}, {literal(OFFSET_PATTERN)})"
            cast = f"CASE WHEN {has_offset} THEN {cast} ELSE {local} END"
        return cast, "a timestamp (ISO 8601)"
    parsed = []
    for fmt in formats:
        if fmt == "epoch":
            parsed.append(f"to_timestamp(try_cast({raw} AS DOUBLE))")
        elif fmt == "epoch_ms":
            parsed.append(f"to_timestamp(try_cast({raw} AS DOUBLE) / 1000)")
        elif zone is not None and kind is T.TIMESTAMP and "%z" not in fmt and "%Z" not in fmt:
            parsed.append(f"timezone({literal(zone)}, try_strptime({raw}, {literal(fmt)}))")
        else:
            parsed.append(f"try_strptime({raw}, {literal(fmt)})::TIMESTAMPTZ")
    value = f"coalesce({', '.join(parsed)})"
    expected = "a time in the format " + " or ".join(formats)
    return (f"{value}::DATE" if kind is T.DATE else value), expected


def list_sql(raw: str, separators: str) -> str:
    """A JSON array, or values separated by any of `separators` (blanks dropped)."""
    split = "\\s*[" + "".join("\\" + c if c in "\\]^-[" else c for c in separators) + "]\\s*"
    return (
        f"CASE WHEN starts_with({raw}, '[') THEN try_cast(try_cast({raw} AS JSON) AS VARCHAR[]) "
        f"ELSE list_filter(string_split_regex({raw}, {literal(split)}), lambda x: x <> '') END"
    )


LOOKUP_TYPES = (T.COUNTRY, T.TIMEZONE)  # their SQL calls the macros below


def install_lookup_macros(cursor: object) -> None:
    """Create the country_code and timezone_name macros the typed expressions call."""
    codes = {code.lower(): code for code in pytz.country_names}
    names = {name.lower(): code for code, name in pytz.country_names.items()}
    countries = {**names, **COUNTRY_ALIASES, **codes}
    zones = {zone.lower(): zone for zone in pytz.all_timezones}
    execute = cursor.execute  # type: ignore[attr-defined]
    execute(f"CREATE OR REPLACE TEMP MACRO country_code(v) AS {map_literal(countries)}[lower(v)]")
    execute(f"CREATE OR REPLACE TEMP MACRO timezone_name(v) AS {map_literal(zones)}[lower(v)]")


def map_literal(entries: dict[str, str]) -> str:
    keys = ", ".join(literal(k) for k in entries)
    values = ", ".join(literal(v) for v in entries.values())
    return f"MAP([{keys}], [{values}])"
