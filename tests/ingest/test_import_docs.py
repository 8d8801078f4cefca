"""docs/import.md describes every kind, field and preset, so none can change undocumented."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from learnsight.ingest.kinds import KINDS, FieldType
from learnsight.ingest.mapping import load_preset, preset_names

DOC = (Path(__file__).parent.parent.parent / "docs" / "import.md").read_text()
TYPE_WORDS = {FieldType.TIMEZONE: "time zone", FieldType.JSON: "JSON"}


def section(title: str) -> str:
    """The text under the heading `### \\`title\\``, up to the next heading."""
    match = re.search(rf"^### `{re.escape(title)}`\n(.*?)(?=^#)", DOC + "\n#", re.M | re.S)
    assert match, f"docs/import.md has no section ### `{title}`"
    return match.group(1)


@pytest.mark.parametrize("name", list(KINDS))
def test_every_kind_and_field_is_documented(name: str) -> None:
    kind = KINDS[name]
    text = section(name)
    intro = text.split("|", 1)[0]
    assert f"Table `{kind.table}`, natural key" in intro
    for key in (*kind.key, *kind.derived_key):
        assert f"`{key}`" in intro, key
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\w+)` \|.*$", text, re.M)}
    assert list(rows) == kind.field_names
    for field in kind.fields:
        row = rows[field.name]
        word = TYPE_WORDS.get(field.type, field.type.value)
        assert row.startswith(f"| `{field.name}` | {word} |"), row
        assert ("required" in row) == field.required, row
        for choice in field.choices:
            assert f"`{choice}`" in row, (row, choice)


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_and_its_columns_are_documented(name: str) -> None:
    text = section(name)
    path = resources.files("learnsight.ingest") / "presets" / f"{name}.yaml"
    kind = yaml.safe_load(path.read_text())["kind"]
    assert f"Kind `{kind}`" in text
    mapping = load_preset(name, kind)
    for field, spec in mapping.fields.items():
        assert f"`{field}`" in text, field
        for column in spec.columns:
            assert f"`{column}`" in text, column
        if spec.optional:
            assert re.search(rf"`{re.escape(spec.columns[-1])}`[^|]* \(\*optional", text), field
    for column in mapping.only:
        assert f"`{column}`" in text, column
