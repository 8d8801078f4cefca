"""Settings, read from arguments or `LEARNSIGHT_*` environment variables (see docs/settings.md)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a Learnsight process needs to know about its deployment."""

    model_config = SettingsConfigDict(env_prefix="LEARNSIGHT_", extra="ignore")

    data: Path = Field(
        default=Path("learnsight-data"),
        description="Data directory: the DuckDB file, server.json and the admin token live here.",
    )
    host: str = Field(default="127.0.0.1", description="Interface the server listens on.")
    port: int = Field(default=8000, ge=0, le=65535, description="TCP port of the server.")
    public_url: str | None = Field(
        default=None,
        description="Base URL clients use to reach the server (default: http://HOST:PORT).",
    )
    statement_page_size: int = Field(
        default=500, ge=1, description="Most statements one GET /xAPI/statements page returns."
    )
    max_body_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted (413 above it).",
    )

    resolve_interval_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How often the server resolves the actors of statements posted since the "
        "last resolution (0: only after imports).",
    )
    memory_limit: str = Field(
        default="256MB",
        description="Most memory DuckDB's buffer cache may use (DuckDB's own default: 80% of RAM).",
    )

    @property
    def local_url(self) -> str:
        """Where processes on this machine reach the server (written to server.json)."""
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Where clients reach the server: `public_url`, else the local URL."""
        return self.public_url or self.local_url

    @property
    def database_path(self) -> Path:
        return self.data / "learnsight.duckdb"
