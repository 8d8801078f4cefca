"""The docs list every setting and every command, so neither can be added undocumented."""

from pathlib import Path
from typing import Any

import typer

from learnsight.cli import app
from learnsight.config import Settings

DOCS = Path(__file__).parent.parent / "docs"


def command_paths(group: Any, prefix: str = "learnsight") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):  # a group of subcommands
            paths += command_paths(command, path)
        else:
            paths.append(path)
    return paths


def test_every_command_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    commands = command_paths(typer.main.get_command(app))
    assert "learnsight credentials create" in commands
    missing = [c for c in commands if f"## `{c}`" not in text]
    assert not missing


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text()
    missing = [
        name
        for name in Settings.model_fields
        if f"`{name}`" not in text or f"`LEARNSIGHT_{name.upper()}`" not in text
    ]
    assert not missing


def test_every_kpi_is_documented() -> None:
    from learnsight.metrics.registry import all_kpis

    text = (DOCS / "kpis.md").read_text()
    missing = [name for name in all_kpis() if f"## `{name}`" not in text]
    assert not missing
