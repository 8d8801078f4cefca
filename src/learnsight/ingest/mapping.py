"""Column mappings: which source column feeds which field, and how its values are read.

A mapping is a small YAML file (docs/import.md):

    kind: accounts
    fields:
      id: Account ID                       # a source column
      contract_start: {column: Start, format: "%d/%m/%Y"}
      segment: {column: Tier, values: {Small: SMB, Large: enterprise}}
      currency: {value: EUR}               # a constant
      owner: {column: [First, Last]}       # several columns, joined with a space
      industry: {column: Sector, optional: true}  # a file without the column leaves it alone
    only: {Stage: [Closed Won]}            # rows kept; the others are skipped
    skip_rows: 1                           # rows after the header that are not data

Without a mapping, a source column feeds the field of the same name (case, spaces and dashes
aside). A mapping's column names match the file's regardless of case. Presets are mappings
shipped in ingest/presets/ for common exports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import pytz
import yaml

from learnsight.errors import LearnsightError
from learnsight.ingest.kinds import MAPPABLE_KINDS, FieldType, Kind

SOURCE_OPTIONS = {"column", "value", "format", "values", "transform", "optional", "separators",
                  "timezone"}  # fmt: skip
TRANSFORMS = ("domain",)  # `domain`: a URL or e-mail address -> its host, without www.
EPOCH_FORMATS = ("epoch", "epoch_ms")  # seconds / milliseconds since 1970-01-01 UTC


class MappingError(LearnsightError):
    """A mapping file or preset that cannot be used, with the reason."""


@dataclass(frozen=True)
class Source:
    """Where one field's value comes from."""

    column: str | None = None  # a source column (a dotted path in JSON Lines)
    value: str | None = None  # a constant, used when `column` is None
    formats: tuple[str, ...] = ()  # strptime formats, or epoch / epoch_ms
    values: dict[str, str] = field(default_factory=dict)  # source value -> stored value
    transform: str | None = None
    joined: tuple[str, ...] = ()  # more columns, their values appended with a space
    optional: bool = False  # a file without the column(s) leaves the field unmapped
    separators: str | None = None  # list fields: the characters between items (default ";,")
    timezone: str | None = None  # timestamps without an offset are in this zone (default UTC)

    @property
    def columns(self) -> tuple[str, ...]:
        return () if self.column is None else (self.column, *self.joined)


@dataclass(frozen=True)
class Mapping:
    kind: Kind
    fields: dict[str, Source]
    only: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> kept values
    name: str = "default"
    skip_rows: int = 0  # rows after the header that are not data (a second header row)

    @property
    def columns(self) -> set[str]:
        """Every source column the mapping reads."""
        used = {c for s in self.fields.values() for c in s.columns}
        return used | set(self.only)

    def for_columns(self, columns: list[str]) -> Mapping:
        """This mapping for a file with these headers (none for JSON Lines: paths stay as they
        are): column names matched regardless of case, and optional fields whose columns the
        file lacks left out, so the import writes nothing to them. A missing column that is
        not optional stays as it is, for the loader to report."""
        if not columns:
            return self
        exact = set(columns)
        by_case = {c.lower(): c for c in reversed(columns)}

        def actual(name: str) -> str | None:
            return name if name in exact else by_case.get(name.lower())

        fields = {}
        for name, spec in self.fields.items():
            if spec.column is None:  # a constant
                fields[name] = spec
                continue
            if spec.optional:
                found = [a for a in map(actual, spec.columns) if a is not None]
            else:
                found = [actual(c) or c for c in spec.columns]
            if found:
                fields[name] = replace(spec, column=found[0], joined=tuple(found[1:]))
        only = {actual(c) or c: kept for c, kept in self.only.items()}
        return replace(self, fields=fields, only=only)


def normalise(name: str) -> str:
    return re.sub(r"[\s_\-]+", "_", name.strip().lower())


def default_mapping(kind: Kind, columns: list[str]) -> Mapping:
    """Each field read from the source column of the same name, when there is one."""
    by_name = {normalise(c): c for c in columns}
    fields = {f.name: Source(column=by_name[f.name]) for f in kind.fields if f.name in by_name}
    return Mapping(kind, fields)


def preset_names() -> list[str]:
    folder = resources.files("learnsight.ingest") / "presets"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_preset(name: str, kind: str) -> Mapping:
    path = resources.files("learnsight.ingest") / "presets" / f"{name}.yaml"
    if not path.is_file():
        raise MappingError(f"no preset {name!r}; presets: {', '.join(preset_names())}")
    return parse_mapping(path.read_text(), f"preset {name}", kind)


def load_mapping_file(path: Path, kind: str) -> Mapping:
    try:
        text = path.read_text()
    except OSError as error:
        raise MappingError(f"{path}: {error.strerror or error}") from None
    return parse_mapping(text, str(path), kind)


def parse_mapping(text: str, origin: str, kind_name: str) -> Mapping:
    """A mapping from its YAML text; `origin` names it in errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise MappingError(f"{origin}: not valid YAML ({yaml_problem(error)})") from None
    if not isinstance(data, dict):
        raise MappingError(f"{origin}: expected a mapping with `fields`")
    unknown = set(data) - {"kind", "fields", "only", "skip_rows", "description"}
    if unknown:
        raise MappingError(f"{origin}: unknown key(s) {', '.join(sorted(unknown))}")
    declared = data.get("kind", kind_name)
    if declared != kind_name:
        raise MappingError(f"{origin} maps {declared}, not {kind_name}")
    kind = MAPPABLE_KINDS[kind_name]
    fields_data = data.get("fields")
    if not isinstance(fields_data, dict) or not fields_data:
        raise MappingError(f"{origin}: `fields` must map field names to source columns")
    fields = {name: parse_source(kind, name, spec, origin) for name, spec in fields_data.items()}
    skip_rows = data.get("skip_rows", 0)
    if not isinstance(skip_rows, int) or isinstance(skip_rows, bool) or skip_rows < 0:
        raise MappingError(f"{origin}: `skip_rows` must be a whole number of rows, 0 or more")
    only = parse_only(data.get("only") or {}, origin)
    return Mapping(kind, fields, only, origin, skip_rows)


def yaml_problem(error: yaml.YAMLError) -> str:
    """What is wrong and where, in one line (PyYAML's own message spans several)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return " ".join(f"{problem}{where}".split())


def parse_source(kind: Kind, name: str, spec: Any, origin: str) -> Source:
    where = f"{origin}: field {name}"
    if name not in kind.field_names:
        raise MappingError(
            f"{where}: {kind.name} has no such field ({', '.join(kind.field_names)})"
        )
    if isinstance(spec, str):
        return Source(column=spec)
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: expected a column name or {{column: ...}}")
    unknown = set(spec) - SOURCE_OPTIONS
    if unknown:
        raise MappingError(f"{where}: unknown option(s) {', '.join(sorted(unknown))}")
    if ("column" in spec) == ("value" in spec):
        raise MappingError(f"{where}: give exactly one of `column` and `value`")
    columns = parse_columns(spec.get("column"), where) if "column" in spec else []
    formats = spec.get("format") or ()
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    transform = spec.get("transform")
    if transform is not None and transform not in TRANSFORMS:
        raise MappingError(f"{where}: unknown transform {transform!r} ({', '.join(TRANSFORMS)})")
    values = spec.get("values") or {}
    if not isinstance(values, dict):
        raise MappingError(f"{where}: `values` must map source values to stored values")
    optional = spec.get("optional", False)
    if not isinstance(optional, bool):
        raise MappingError(f"{where}: `optional` must be true or false")
    source = Source(
        column=columns[0] if columns else None,
        value=none_or_str(spec.get("value")),
        formats=tuple(str(f) for f in formats),
        values={str(k): str(v) for k, v in values.items()},
        transform=transform,
        joined=tuple(columns[1:]),
        optional=optional,
        separators=none_or_str(spec.get("separators")),
        timezone=none_or_str(spec.get("timezone")),
    )
    check_type_options(kind.field(name).type, source, where)
    return source


def parse_columns(spec: Any, where: str) -> list[str]:
    """`column`: one name, or a list of names whose values are joined."""
    columns = spec if isinstance(spec, list) else [spec]
    if not columns or any(c is None or isinstance(c, (dict, list)) for c in columns):
        raise MappingError(f"{where}: `column` must be a column name or a list of them")
    return [str(c) for c in columns]


def check_type_options(field_type: FieldType, source: Source, where: str) -> None:
    """Options that only make sense for some field types."""
    if source.formats and field_type not in (FieldType.DATE, FieldType.TIMESTAMP):
        raise MappingError(f"{where}: `format` applies to dates and timestamps only")
    if source.separators is not None and field_type is not FieldType.LIST:
        raise MappingError(f"{where}: `separators` applies to list fields only")
    if source.separators == "":
        raise MappingError(f'{where}: `separators` names the characters between items, e.g. ";,"')
    if source.timezone is not None and field_type is not FieldType.TIMESTAMP:
        raise MappingError(f"{where}: `timezone` applies to timestamps only")
    if source.timezone is not None and source.timezone not in pytz.all_timezones_set:
        raise MappingError(
            f"{where}: unknown time zone {source.timezone!r} (an IANA name such as Europe/Paris)"
        )


def parse_only(data: Any, origin: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(data, dict):
        raise MappingError(f"{origin}: `only` must map columns to the values kept")
    return {
        str(column): tuple(str(v) for v in (kept if isinstance(kept, list) else [kept]))
        for column, kept in data.items()
    }


def none_or_str(value: Any) -> str | None:
    return None if value is None else str(value)
