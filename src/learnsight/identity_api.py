"""/api/v1/admin: identity resolution and erasure, for the CLI when a server owns the data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from learnsight.deps import PrincipalDep, ServicesDep, require
from learnsight.erase import erase
from learnsight.identity import resolve, unmatched
from learnsight.identity_overrides import load_overrides
from learnsight.xapi.errors import XAPIError

router = APIRouter(prefix="/api/v1/admin")


class EraseRequest(BaseModel):
    email: str


@router.post("/identities/resolve")
def resolve_identities(services: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    require(principal, "admin")
    return resolve(services.db).as_dict()


@router.get("/identities/unmatched")
def list_unmatched(
    services: ServicesDep, principal: PrincipalDep, source: str | None = None, limit: int = 50
) -> dict[str, Any]:
    require(principal, "admin")
    if limit < 0:
        raise XAPIError(f"limit: must be 0 or more, not {limit}")
    return unmatched(services.db, source, limit).as_dict()


@router.put("/identities/overrides")
async def replace_overrides(
    request: Request, services: ServicesDep, principal: PrincipalDep, filename: str = "overrides"
) -> dict[str, Any]:
    """The body is the CSV file; `filename` names it in error messages."""
    require(principal, "admin")
    content = await request.body()
    summary = await run_in_threadpool(load_overrides, services.db, content, filename)
    return summary.as_dict()


@router.post("/erase")
def erase_person(
    body: EraseRequest, services: ServicesDep, principal: PrincipalDep
) -> dict[str, Any]:
    require(principal, "admin")
    return erase(services, body.email).as_dict()
