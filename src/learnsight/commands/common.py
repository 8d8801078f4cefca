"""What every command shares: the --data option, one-line errors, local or server execution."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from learnsight.config import Settings
from learnsight.errors import LearnsightError
from learnsight.instance import LiveServer, find_live_server
from learnsight.services import Services

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)  # one error, one line: never wrapped

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data", help="Data directory (default: ./learnsight-data, or env LEARNSIGHT_DATA)."
    ),
]


class CommandError(LearnsightError):
    """A failure to report in one line, without a traceback."""


def settings_for(data: Path | None, **overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if data is not None:
        values["data"] = data
    return Settings(**values)


@contextmanager
def local_services(settings: Settings) -> Iterator[Services]:
    """Open the data directory in this process (no server owns it)."""
    try:
        services = Services.open(settings)
    except duckdb.IOException as error:
        raise CommandError(
            f"{settings.data} is in use by another process and no server answers for it: {error}"
        ) from None
    try:
        yield services
    finally:
        services.close()


def call_server(server: LiveServer, method: str, path: str, **kwargs: Any) -> Any:
    """One admin API call to the live server; errors become CommandError."""
    import httpx  # imported here: only commands that reach a server need it

    headers = {"Authorization": f"Bearer {server.token}"}
    try:
        response = httpx.request(method, server.url + path, headers=headers, timeout=None, **kwargs)
    except httpx.HTTPError as error:
        raise CommandError(f"the server at {server.url} did not answer: {error}") from None
    if response.status_code >= 400:
        try:
            message = response.json().get("error", response.text)
        except ValueError:
            message = f"{response.status_code} {response.text}"
        raise CommandError(f"the server refused: {message}")
    return response.json() if response.content else None


def on_data(
    settings: Settings, local: Callable[[Services], Any], method: str, path: str, **request: Any
) -> Any:
    """Do the work on the live server owning the data directory (`method path` of its API),
    else in this process with `local`; both give the same JSON-shaped answer."""
    live = find_live_server(settings.data)
    if live is not None:
        return call_server(live, method, path, **request)
    with local_services(settings) as services:
        return local(services)


def print_table(table: Table) -> None:
    """A table at the terminal's width; piped, wide enough that no column is cut short."""
    wide = console if console.is_terminal else Console(width=250, soft_wrap=True)
    wide.print(table)


def progress_bar() -> Progress:
    return Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=errors,
    )  # fmt: skip


def upload_chunks(path: Path, advance: Callable[[int], object]) -> Iterator[bytes]:
    """A file's bytes in 1 MB chunks, reporting each chunk to `advance`."""
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            advance(len(chunk))
            yield chunk
