"""Buying packages (R2, R4): one-time, effective the same day, never renewed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from .catalog import Catalog
from .days import require_aware, shanghai_day
from .errors import InvalidRequest, SiteNotEligible
from .limits import MAX_COUNT
from .model import Package, Site


def purchase(
    catalog: Catalog,
    account_id: str,
    site: Site,
    sku: str,
    count: int,
    at: datetime,
    first_seq: int,
    new_id: Callable[[], str],
) -> tuple[list[Package], Decimal]:
    """The packages a purchase creates and its total price; refuses before creating anything."""
    if Site(site) is not Site.CN:
        raise SiteNotEligible(
            "resource packages can be bought only by accounts on the China site (cn); "
            "this account is on the international site",
            {"site": str(site)},
        )
    item = catalog.sku(sku)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise InvalidRequest(f"count must be an integer from 1 to {MAX_COUNT}")
    require_aware(at)
    first_day = shanghai_day(at)
    last_day = item.validity.last_day(first_day)
    packages = [
        Package(
            id=new_id(),
            account_id=account_id,
            sku=item.sku,
            service=item.service,
            size=item.size,
            price=item.price,
            purchased_at=at,
            seq=first_seq + i,
            first_day=first_day,
            last_day=last_day,
            list_price=item.price,
        )
        for i in range(count)
    ]
    return packages, item.price * count
