"""What every use case needs: the database, the catalog and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from ..domain import Catalog, load_catalog
from ..storage.db import DEFAULT_URL, Database


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Context:
    db: Database
    catalog: Catalog
    clock: Callable[[], datetime] = field(default=utc_now)

    def now(self) -> datetime:
        return self.clock()

    @classmethod
    def open(cls, url: str = DEFAULT_URL, catalog_path: str | None = None, clock: Callable[[], datetime] = utc_now) -> "Context":
        catalog = load_catalog(catalog_path)  # a bad catalog is refused before the database is touched
        return cls(Database(url), catalog, clock)

    def close(self) -> None:
        self.db.dispose()
