"""/api/v1/import/{kind} and /api/v1/imports: `learnsight import` over HTTP, with uploaded files."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from learnsight.deps import PrincipalDep, ServicesDep, require
from learnsight.ingest.imports import MappingChoice, check_kind, history, run_import
from learnsight.ingest.loader import ImportOptions

router = APIRouter(prefix="/api/v1")
CHUNK = 1 << 20


@router.post("/import/{kind}", max_body_size=1 << 40)  # files of any size
async def import_upload(
    kind: str,
    file: list[UploadFile],
    services: ServicesDep,
    principal: PrincipalDep,
    preset: Annotated[str | None, Form()] = None,
    mapping: Annotated[str | None, Form()] = None,
    strict: Annotated[bool, Form()] = False,
    dry_run: Annotated[bool, Form()] = False,
    name: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    """Import uploaded file(s) (multipart field `file`; several for oulad) as `kind`; `name`
    names them in the summary and history (default: the first file's name)."""
    require(principal, "api/write")
    check_kind(kind)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for upload in file:
            await save(upload, folder)
        path = folder if kind == "oulad" else folder / safe_name(file[0].filename)
        choice = MappingChoice(preset=preset, text=mapping)
        options = ImportOptions(strict, dry_run, name=name or file[0].filename)
        result = await run_in_threadpool(run_import, services, kind, path, choice, options)
    return result.as_dict()


@router.get("/imports")
def list_imports(services: ServicesDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    require(principal, "api/read")
    return history(services)


async def save(upload: UploadFile, folder: Path) -> None:
    with (folder / safe_name(upload.filename)).open("wb") as stream:
        while chunk := await upload.read(CHUNK):
            stream.write(chunk)


def safe_name(filename: str | None) -> str:
    """The upload's base name (never a path); its suffix tells the format."""
    name = Path(filename or "upload.csv").name
    return name if name not in ("", ".", "..") else "upload.csv"
