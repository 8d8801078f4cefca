"""The application factory: `create_app(settings)` builds the whole HTTP service."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware

from learnsight import (
    __version__,
    api,
    demo_api,
    events_api,
    identity_api,
    import_api,
    metrics_api,
)
from learnsight.config import Settings
from learnsight.errors import LearnsightError
from learnsight.identity import keep_resolved
from learnsight.services import Services
from learnsight.xapi import document_routes, routes
from learnsight.xapi.errors import XAPIError
from learnsight.xapi.http import (
    AlternateSyntaxMiddleware,
    XAPIHeadersMiddleware,
    XAPIVersionCheckMiddleware,
    error_body,
)

EXPOSED_HEADERS = [
    "ETag", "Last-Modified", "X-Experience-API-Version", "X-Experience-API-Consistent-Through",
]  # fmt: skip


def create_app(settings: Settings, admin_token: str | None = None) -> FastAPI:
    """The FastAPI app; the data directory is opened at startup and closed at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = services = Services.open(settings)
        stop = threading.Event()
        resolver = threading.Thread(
            target=keep_resolved,
            args=(services.db, settings.resolve_interval_seconds, stop),
            name="identity-resolution",
            daemon=True,
        )
        if settings.resolve_interval_seconds > 0:
            resolver.start()
        try:
            yield
        finally:
            stop.set()
            if resolver.is_alive():
                resolver.join()
            services.close()

    app = FastAPI(
        title="Learnsight",
        version=__version__,
        lifespan=lifespan,
        max_body_size=settings.max_body_bytes,  # larger bodies get 413 (Comm. 3.2)
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.admin_token = admin_token
    app.include_router(routes.router)
    app.include_router(document_routes.router)
    app.include_router(api.router)
    app.include_router(import_api.router)
    app.include_router(metrics_api.router)
    app.include_router(events_api.router)
    app.include_router(identity_api.router)
    app.include_router(demo_api.router)
    add_error_handlers(app)
    # The last added runs first: headers on everything, CORS, alternate syntax, version check.
    app.add_middleware(XAPIVersionCheckMiddleware)
    app.add_middleware(AlternateSyntaxMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
    )
    app.add_middleware(
        XAPIHeadersMiddleware,
        consistent_through=lambda: app.state.services.statements.consistent_through(),
    )
    return app


def add_error_handlers(app: FastAPI) -> None:
    """Client errors are JSON `{"error": message}`; malformed requests are 400, never 422."""

    def error(status: int, message: str) -> Response:
        headers = {"WWW-Authenticate": 'Basic realm="Learnsight"'} if status == 401 else None
        return Response(error_body(message), status, headers, media_type="application/json")

    @app.exception_handler(XAPIError)
    async def xapi_error(request: Request, exc: XAPIError) -> Response:
        return error(exc.status, exc.message)

    @app.exception_handler(LearnsightError)
    async def learnsight_error(request: Request, exc: LearnsightError) -> Response:
        return error(400, str(exc))  # bad input that a route did not map to another status

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return error(400, problems)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return error(exc.status_code, str(exc.detail))
