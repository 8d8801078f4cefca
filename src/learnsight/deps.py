"""FastAPI dependencies shared by every router: services and the authenticated principal."""

from __future__ import annotations

import base64
import hmac
from typing import Annotated

from fastapi import Depends, Request

from learnsight.auth import Principal, admin_principal
from learnsight.services import Services
from learnsight.xapi.errors import XAPIError


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def authenticate(request: Request, services: ServicesDep) -> Principal:
    """HTTP Basic with a created credential, or Bearer with the data directory's admin token."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    principal = None
    if scheme.lower() == "basic":
        try:
            key, _, secret = base64.b64decode(value.strip()).decode().partition(":")
        except ValueError:  # bad base64 (binascii.Error), bad UTF-8, non-ASCII input
            raise XAPIError("Authorization: malformed Basic credentials", 401) from None
        principal = services.credentials.authenticate(key, secret)
    elif scheme.lower() == "bearer":
        token: str | None = request.app.state.admin_token
        if token and hmac.compare_digest(value.strip().encode(), token.encode()):
            principal = admin_principal()
    if principal is None:
        raise XAPIError("authentication required: HTTP Basic with a Learnsight credential", 401)
    return principal


PrincipalDep = Annotated[Principal, Depends(authenticate)]


def require(principal: Principal, *scopes: str) -> None:
    """403 unless the principal holds one of the scopes (or `all` / `admin`)."""
    if not principal.may(*scopes):
        raise XAPIError(
            f"this credential lacks the scope for this request ({' or '.join(scopes)})", 403
        )
