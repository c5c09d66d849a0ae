"""What every use case needs: the database, the catalog and the clock."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from ..domain.books import Issuer
from ..domain.catalog import Catalog, load_catalog
from ..domain.catalog_versions import Catalogs
from ..domain.days import month_start, next_month, shanghai_day
from ..domain.errors import InvalidRequest
from ..domain.invoice import DEFAULT_RATE
from ..domain.limits import MAX_AHEAD
from ..domain.wallet import Delays
from ..storage import catalog as catalog_store
from ..storage import partitions
from ..storage.db import DEFAULT_URL, Database

log = logging.getLogger("packbill.partitions")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Touched:
    """Accounts whose usage arrived in this process since the live sweep last looked (R26);
    thread-safe. A process that runs no sweep keeps none (``Context.touched`` is None)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[str] = set()

    def add(self, account_ids: Iterable[str]) -> None:
        with self._lock:
            self._ids.update(account_ids)

    def take(self) -> list[str]:
        with self._lock:
            ids, self._ids = sorted(self._ids), set()
        return ids


VERSIONS_FRESH_SECONDS = 5.0
"""How long a process trusts the catalog versions it read before it asks whether any changed."""


@dataclass
class Context:
    db: Database
    seed: Catalog
    """The catalog file: version ``v1``, in force from the beginning (R31)."""
    clock: Callable[[], datetime] = field(default=utc_now)
    delays: Delays = field(default_factory=Delays)
    """R19: how long arrears last before suspension, and suspension before reclaim_due."""
    lateness_days: int | None = None
    """R23: usage stamped more than this many days before the clock is refused (None: any age)."""
    webhook_local: bool = False
    """R25: webhooks may reach any address, http:// included (tests, a lab)."""
    webhook_allow: tuple = ()
    """R25: networks (``domain.netguard``) the operator's own endpoints may reach though not public."""
    chromium: str = "/usr/bin/chromium"
    """The browser that prints PDF statements (settings: ``PACKBILL_CHROMIUM``)."""
    issuer: Issuer = field(default_factory=Issuer)
    """R22: who issues the statements (settings: ``PACKBILL_ISSUER_NAME``, ``_ADDRESS``, ``_TAX_ID``)."""
    vat_rate: Decimal = DEFAULT_RATE
    """R33: the invoices' VAT rate (settings: ``PACKBILL_VAT_RATE``, default 6 %)."""
    topup_instructions: str = ""
    """How a customer tops up (settings: ``PACKBILL_TOPUP_INSTRUCTIONS``), shown when money is short."""
    touched: Touched | None = None
    """R26: where intake notes the accounts whose usage arrived, for the live sweep."""
    _versions: tuple | None = field(default=None, init=False, repr=False)

    def now(self) -> datetime:
        return self.clock()

    @property
    def catalog(self) -> Catalog:
        """The catalog in force today (R31), knowing every package any version sells."""
        return self.catalogs().on(shanghai_day(self.now()))

    @catalog.setter
    def catalog(self, value: Catalog) -> None:
        self.seed, self._versions = value, None

    def catalogs(self) -> Catalogs:
        """R31: every version of the catalog, read from the database and kept for a few seconds.
        Kept versions price correctly: one published since has its day after the day it was
        published, and they are read again when the day changes."""
        today = shanghai_day(self.now())
        cached = self._versions
        if cached is not None and cached[1] == today and time.monotonic() - cached[3] < VERSIONS_FRESH_SECONDS:
            return cached[2]
        with self.db.read() as conn:
            stamp = catalog_store.stamp(conn)
            if cached is not None and cached[0] == stamp:
                found = cached[2]
            else:
                found = Catalogs(self.seed, [v.version(self.seed) for v in catalog_store.versions(conn)])
        self._versions = (stamp, today, found, time.monotonic())
        return found

    def catalog_at(self, at: datetime) -> Catalog:
        """R31: the catalog in force at a moment (a purchase is priced by its ``at``)."""
        return self.catalogs().on(shanghai_day(at))

    def forget_versions(self) -> None:
        """This process published or withdrew a version: read them again at the next use."""
        self._versions = None

    @classmethod
    def open(cls, url: str = DEFAULT_URL, catalog_path: str | None = None, clock: Callable[[], datetime] = utc_now,
             delays: Delays | None = None, lateness_days: int | None = None, webhook_local: bool = False,
             webhook_allow: tuple = (), read_url: str | None = None, replica_wait: float = 0.2) -> Context:
        catalog = load_catalog(catalog_path)  # a bad catalog is refused before the database is touched
        db = Database(url, replica_url=read_url, replica_wait=replica_wait)
        ctx = cls(db, catalog, clock, delays or Delays(), lateness_days, webhook_local, webhook_allow)
        ctx.prepare_partitions()
        return ctx

    def prepare_partitions(self) -> list:
        """PostgreSQL: make the usage partitions of this month and the next, and of any month whose
        events wait in the default partition (at start, and by the daily schedule). Returns the
        months made."""
        if self.db.dialect != "postgresql":
            return []
        this = month_start(shanghai_day(self.now()))
        try:
            with self.db.write() as conn:
                return partitions.ensure(conn, {this, next_month(this)})
        except Exception as exc:  # noqa: BLE001 - maintenance: the events stay where they are, in the default partition
            log.warning("the usage partitions were not made this time (the next start or daily run tries again): %s", exc)
            return []

    def close(self) -> None:
        self.db.dispose()


def ping(ctx: Context) -> None:
    """The database answers (else ``Unavailable``)."""
    ctx.db.ping()


def not_ahead(ctx: Context, at: datetime | None, what: str) -> datetime:
    """An operator's ``at`` (a purchase, a refund, a top-up, an adjustment, a settlement run): now
    by default, never in the future (5 minutes of clock difference allowed, as for usage). A time
    ahead would act early: a settlement run stated in the future would finalise a month early."""
    now = ctx.now()
    if at is None:
        return now
    if at - now > MAX_AHEAD:
        raise InvalidRequest(f"{what} cannot happen in the future: 'at' is {at.isoformat()}, the server's clock {now.isoformat()}")
    return at
