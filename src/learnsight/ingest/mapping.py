"""Column mappings: which source column feeds which field, and how its values are read.

A mapping is a small YAML file (docs/import.md):

    kind: accounts
    fields:
      id: Account ID                       # a source column
      contract_start: {column: Start, format: "%d/%m/%Y"}
      segment: {column: Tier, values: {Small: SMB, Large: enterprise}}
      currency: {value: EUR}               # a constant
    only: {Stage: [Closed Won]}            # rows kept; the others are skipped

Without a mapping, a source column feeds the field of the same name (case, spaces and dashes
aside). Presets are mappings shipped in ingest/presets/ for common exports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from learnsight.ingest.kinds import KINDS, FieldType, Kind

TRANSFORMS = ("domain",)  # `domain`: a URL or e-mail address -> its host, without www.
EPOCH_FORMATS = ("epoch", "epoch_ms")  # seconds / milliseconds since 1970-01-01 UTC


class MappingError(Exception):
    """A mapping file or preset that cannot be used, with the reason."""


@dataclass(frozen=True)
class Source:
    """Where one field's value comes from."""

    column: str | None = None  # a source column (a dotted path in JSON Lines)
    value: str | None = None  # a constant, used when `column` is None
    formats: tuple[str, ...] = ()  # strptime formats, or epoch / epoch_ms
    values: dict[str, str] = field(default_factory=dict)  # source value -> stored value
    transform: str | None = None


@dataclass(frozen=True)
class Mapping:
    kind: Kind
    fields: dict[str, Source]
    only: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> kept values
    name: str = "default"

    @property
    def columns(self) -> set[str]:
        """Every source column the mapping reads."""
        used = {s.column for s in self.fields.values() if s.column is not None}
        return used | set(self.only)


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
        raise MappingError(f"{origin}: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise MappingError(f"{origin}: expected a mapping with `fields`")
    unknown = set(data) - {"kind", "fields", "only", "description"}
    if unknown:
        raise MappingError(f"{origin}: unknown key(s) {', '.join(sorted(unknown))}")
    declared = data.get("kind", kind_name)
    if declared != kind_name:
        raise MappingError(f"{origin} maps {declared}, not {kind_name}")
    kind = KINDS[kind_name]
    fields_data = data.get("fields")
    if not isinstance(fields_data, dict) or not fields_data:
        raise MappingError(f"{origin}: `fields` must map field names to source columns")
    fields = {name: parse_source(kind, name, spec, origin) for name, spec in fields_data.items()}
    return Mapping(kind, fields, parse_only(data.get("only") or {}, origin), origin)


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
    unknown = set(spec) - {"column", "value", "format", "values", "transform"}
    if unknown:
        raise MappingError(f"{where}: unknown option(s) {', '.join(sorted(unknown))}")
    if ("column" in spec) == ("value" in spec):
        raise MappingError(f"{where}: give exactly one of `column` and `value`")
    formats = spec.get("format") or ()
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    field_type = kind.field(name).type
    if formats and field_type not in (FieldType.DATE, FieldType.TIMESTAMP):
        raise MappingError(f"{where}: `format` applies to dates and timestamps only")
    transform = spec.get("transform")
    if transform is not None and transform not in TRANSFORMS:
        raise MappingError(f"{where}: unknown transform {transform!r} ({', '.join(TRANSFORMS)})")
    values = spec.get("values") or {}
    if not isinstance(values, dict):
        raise MappingError(f"{where}: `values` must map source values to stored values")
    return Source(
        column=none_or_str(spec.get("column")),
        value=none_or_str(spec.get("value")),
        formats=tuple(str(f) for f in formats),
        values={str(k): str(v) for k, v in values.items()},
        transform=transform,
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
