"""Credentials (HTTP Basic key + secret), their scopes, and the admin token.

Secrets are 256-bit random strings, so a single SHA-256 is a sound way to store them: a slow
password KDF defends guessable human passwords, which these are not.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from learnsight.db import Database
from learnsight.errors import LearnsightError

XAPI_SCOPES = (
    "statements/write", "statements/read", "statements/read/mine", "state", "define",
    "profile", "all/read", "all",
)  # fmt: skip
API_SCOPES = ("api/read", "api/write", "events/write", "admin")
SCOPES = XAPI_SCOPES + API_SCOPES
DEFAULT_SCOPES = ("all",)
ADMIN_KEY = "admin"  # the principal of the data directory's admin token


class CredentialError(LearnsightError, ValueError):
    """A credential operation that cannot be done (unknown scope, unknown key)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, and what they may do."""

    key: str
    name: str
    scopes: frozenset[str]

    def may(self, *wanted: str) -> bool:
        """Whether any wanted scope is granted: `admin` grants all, `all` every xAPI scope."""
        if "admin" in self.scopes or self.scopes.intersection(wanted):
            return True
        return "all" in self.scopes and any(scope in XAPI_SCOPES for scope in wanted)

    def authority(self, base_url: str) -> dict[str, Any]:
        """The statement authority for this credential (Data 2.4.9)."""
        return {
            "objectType": "Agent",
            "name": self.name,
            "account": {"homePage": base_url, "name": self.key},
        }


@dataclass(frozen=True, slots=True)
class CreatedCredential:
    key: str
    secret: str
    name: str
    scopes: list[str]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Credentials:
    """The credentials table, with an in-process cache of active credentials."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._active: dict[str, tuple[str, Principal]] | None = None
        # Loading and invalidating the cache are serialised, so that a load that started
        # before a revoke can never install its stale result after it.
        self._cache_lock = threading.Lock()

    def create(self, name: str, scopes: list[str] | None = None) -> CreatedCredential:
        chosen = list(scopes or DEFAULT_SCOPES)
        unknown = [s for s in chosen if s not in SCOPES]
        if unknown:
            raise CredentialError(
                f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(SCOPES)}"
            )
        key, secret = secrets.token_hex(10), secrets.token_urlsafe(32)
        with self.db.write() as cur:
            cur.execute(
                "INSERT INTO credentials VALUES (?, ?, ?, ?, ?, NULL)",
                [key, hash_secret(secret), name, chosen, datetime.now(UTC)],
            )
        self._invalidate()
        return CreatedCredential(key, secret, name, chosen)

    def list(self) -> list[dict[str, Any]]:
        rows = (
            self.db.read()
            .execute(
                "SELECT key, name, scopes, created::VARCHAR, revoked::VARCHAR FROM credentials "
                "ORDER BY created"
            )
            .fetchall()
        )
        names = ("key", "name", "scopes", "created", "revoked")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def revoke(self, key: str) -> None:
        with self.db.write() as cur:
            found = cur.execute(
                "UPDATE credentials SET revoked = ? WHERE key = ? AND revoked IS NULL "
                "RETURNING key",
                [datetime.now(UTC), key],
            ).fetchall()
        if not found:
            raise CredentialError(f"no active credential with key {key!r}")
        self._invalidate()

    def authenticate(self, key: str, secret: str) -> Principal | None:
        active = self._load()
        entry = active.get(key)
        if entry is None or not hmac.compare_digest(entry[0], hash_secret(secret)):
            return None
        return entry[1]

    def _invalidate(self) -> None:
        with self._cache_lock:
            self._active = None

    def _load(self) -> dict[str, tuple[str, Principal]]:
        with self._cache_lock:
            if self._active is None:
                self._active = self._read_active()
            return self._active

    def _read_active(self) -> dict[str, tuple[str, Principal]]:
        rows = (
            self.db.read()
            .execute(
                "SELECT key, secret_sha256, name, scopes FROM credentials WHERE revoked IS NULL"
            )
            .fetchall()
        )
        return {
            key: (digest, Principal(key, name, frozenset(scopes)))
            for key, digest, name, scopes in rows
        }


def admin_principal() -> Principal:
    return Principal(ADMIN_KEY, "Learnsight administrator", frozenset({"admin"}))
