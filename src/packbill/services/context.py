"""What every use case needs: the database, the catalog and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from ..domain import Catalog, load_catalog
from ..domain.wallet import Delays
from ..storage.db import DEFAULT_URL, Database


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Context:
    db: Database
    catalog: Catalog
    clock: Callable[[], datetime] = field(default=utc_now)
    delays: Delays = field(default_factory=Delays)
    """R19: how long arrears last before suspension, and suspension before reclaim_due."""
    lateness_days: int | None = None
    """R23: usage stamped more than this many days before the clock is refused (None: any age)."""

    def now(self) -> datetime:
        return self.clock()

    @classmethod
    def open(cls, url: str = DEFAULT_URL, catalog_path: str | None = None, clock: Callable[[], datetime] = utc_now,
             delays: Delays | None = None, lateness_days: int | None = None) -> "Context":
        catalog = load_catalog(catalog_path)  # a bad catalog is refused before the database is touched
        return cls(Database(url), catalog, clock, delays or Delays(), lateness_days)

    def close(self) -> None:
        self.db.dispose()
