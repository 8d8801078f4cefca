"""`learnsight serve`: uvicorn on the app, announcing itself in the data directory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import uvicorn

from learnsight.app import create_app
from learnsight.config import Settings
from learnsight.instance import remove_server_files, write_server_files
from learnsight.runtime import tune_garbage_collector


class AnnouncingServer(uvicorn.Server):
    """Writes server.json and the admin token once it listens, removes them when it stops."""

    def __init__(
        self,
        config: uvicorn.Config,
        settings: Settings,
        token: str,
        on_listening: Callable[[], None],
    ) -> None:
        super().__init__(config)
        self.settings = settings
        self.token = token
        self.on_listening = on_listening

    async def startup(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
        await super().startup(sockets)
        if self.started:
            write_server_files(self.settings.data, self.settings.local_url, self.token)
            self.on_listening()

    async def shutdown(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
        remove_server_files(self.settings.data)
        await super().shutdown(sockets)


def serve(settings: Settings, token: str, on_listening: Callable[[], None]) -> None:
    """Run the server in the foreground until interrupted; `on_listening` runs once it listens."""
    app = create_app(settings, admin_token=token)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = AnnouncingServer(config, settings, token, on_listening)
    tune_garbage_collector()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve())
