"""The objects one Learnsight process shares between requests and commands."""

from __future__ import annotations

from dataclasses import dataclass

from learnsight.auth import Credentials
from learnsight.config import Settings
from learnsight.db import Database
from learnsight.xapi.documents import DocumentStore
from learnsight.xapi.store import StatementStore


@dataclass
class Services:
    settings: Settings
    db: Database
    statements: StatementStore
    documents: DocumentStore
    credentials: Credentials

    @classmethod
    def open(cls, settings: Settings) -> Services:
        db = Database(settings.database_path, settings.memory_limit)
        return cls(settings, db, StatementStore(db), DocumentStore(db), Credentials(db))

    def close(self) -> None:
        self.db.close()
