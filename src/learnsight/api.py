"""/api/v1: Learnsight's own API (health, and the admin work CLI commands delegate here)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from learnsight import __version__
from learnsight.auth import CredentialError
from learnsight.backup import backup
from learnsight.deps import PrincipalDep, ServicesDep, require
from learnsight.importer import import_statements
from learnsight.organisation import (
    organisation_settings,
    set_organisation_setting,
)
from learnsight.xapi.errors import XAPIError

router = APIRouter(prefix="/api/v1")


class CredentialCreate(BaseModel):
    name: str = Field(min_length=1)
    scopes: list[str] | None = None


class CredentialPublic(BaseModel):
    key: str
    secret: str
    name: str
    scopes: list[str]


class BackupRequest(BaseModel):
    out: str


class SettingValue(BaseModel):
    value: str


@router.get("/health")
async def health() -> dict[str, Any]:
    """Unauthenticated liveness: lets the CLI recognise the server owning a data directory."""
    return {"status": "ok", "version": __version__, "pid": os.getpid()}


@router.post("/admin/credentials", status_code=201)
def create_credential(
    body: CredentialCreate, services: ServicesDep, principal: PrincipalDep
) -> CredentialPublic:
    require(principal, "admin")
    created = services.credentials.create(body.name, body.scopes)
    return CredentialPublic(**asdict(created))


@router.get("/admin/credentials")
def list_credentials(services: ServicesDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    require(principal, "admin")
    return services.credentials.list()


@router.delete("/admin/credentials/{key}", status_code=204)
def revoke_credential(key: str, services: ServicesDep, principal: PrincipalDep) -> Response:
    require(principal, "admin")
    try:
        services.credentials.revoke(key)
    except CredentialError as error:
        raise XAPIError(str(error), 404) from None
    return Response(status_code=204)


@router.post("/admin/statements/import", max_body_size=1 << 40)  # files of any size
async def import_file(
    request: Request, filename: str, services: ServicesDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Import an uploaded statements file (the body); `filename` ending in .gz means gzipped."""
    require(principal, "admin")
    suffix = ".gz" if filename.endswith(".gz") else ".json"  # content is sniffed, not named
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        with path.open("wb") as stream:
            async for chunk in request.stream():
                stream.write(chunk)
        summary = await run_in_threadpool(import_statements, services, path, None, filename)
    return summary.as_dict()


@router.post("/admin/backup")
def make_backup(
    body: BackupRequest, services: ServicesDep, principal: PrincipalDep
) -> dict[str, str]:
    require(principal, "admin")
    target = backup(services.db, Path(body.out))
    return {"path": str(target)}


@router.get("/organisation")
def get_organisation(services: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    require(principal, "api/read")
    return organisation_settings(services.db)


@router.put("/organisation/{name}")
def put_organisation_setting(
    name: str, body: SettingValue, services: ServicesDep, principal: PrincipalDep
) -> dict[str, Any]:
    require(principal, "admin")
    value = set_organisation_setting(services.db, name, body.value)
    return {"name": name, "value": value}
