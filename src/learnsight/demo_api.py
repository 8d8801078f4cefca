"""POST /api/v1/admin/demo: `learnsight demo` run by the server that owns the data directory."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from learnsight.demo.generate import (
    DEFAULT_ACCOUNTS,
    DEFAULT_SEED,
    MAX_ACCOUNTS,
    DemoError,
    generate,
)
from learnsight.deps import PrincipalDep, ServicesDep, require
from learnsight.xapi.errors import XAPIError

router = APIRouter(prefix="/api/v1")


class DemoRequest(BaseModel):
    accounts: int = Field(default=DEFAULT_ACCOUNTS, ge=1, le=MAX_ACCOUNTS)
    seed: int = DEFAULT_SEED


@router.post("/admin/demo")
def generate_demo(
    body: DemoRequest, services: ServicesDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Generate the demo company (a sync route: FastAPI runs it in its thread pool)."""
    require(principal, "admin")
    try:
        return generate(services, body.accounts, body.seed).as_dict()
    except DemoError as error:
        raise XAPIError(str(error), 409) from None
