"""Price versions (R31): the catalog as it changes over time.

The catalog file is version ``v1``, in force from the beginning. The operator publishes later
versions, each with an effective day after the day it is published; a version changes list
prices and tiers, adds packages and retires them (no longer sold; packages held keep working).
A scheduled version may be withdrawn; none is ever edited. ``Catalogs`` answers which version
is in force on a day: a purchase is priced by its moment's day, a pay-as-you-go line by its
usage day (a supplement by its own day), a day's peak bandwidth by that day.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .catalog import PRICE_UNIT_LABEL, Catalog, CatalogError, PackageSku, PaygPrice, priced
from .errors import Conflict, InvalidRequest

IN_FORCE, SCHEDULED, PAST, WITHDRAWN = "in_force", "scheduled", "past", "withdrawn"

Tiers = tuple[tuple[int | None, Decimal], ...]
"""A pay-as-you-go price as (up to, price) bands; a flat price is one band."""


@dataclass(frozen=True, slots=True)
class Version:
    """One published version: its id (``v2``, ``v3``, ...), effective day, when it was published
    (and withdrawn), and its prices."""

    id: str
    effective_on: date
    published_at: datetime
    catalog: Catalog
    withdrawn_at: datetime | None = None

    def status(self, today: date, current: str) -> str:
        """``in_force`` (the one in force today), ``scheduled``, ``past`` or ``withdrawn``."""
        if self.withdrawn_at is not None:
            return WITHDRAWN
        if self.id == current:
            return IN_FORCE
        return SCHEDULED if self.effective_on > today else PAST


@dataclass(frozen=True, slots=True)
class Stored:
    """A version as the database keeps it: its prices as JSON."""

    id: str
    effective_on: date
    published_at: datetime
    body: Any
    withdrawn_at: datetime | None

    def version(self, first: Catalog) -> Version:
        """The version, its prices checked as when it was published."""
        return Version(self.id, self.effective_on, self.published_at, from_json(self.body, first, f"catalog version {self.id}"),
                       self.withdrawn_at)


class Catalogs:
    """Every published version (``versions``, withdrawn ones included, in effective-day order);
    ``on(day)`` is the one in force, of those not withdrawn."""

    def __init__(self, first: Catalog, published: Sequence[Version] = ()) -> None:
        self.first = first
        self.versions = tuple(sorted(published, key=lambda v: (v.effective_on, v.id)))
        live = [v for v in self.versions if v.withdrawn_at is None]
        every: dict[str, PackageSku] = {}
        for catalog in [first, *(v.catalog for v in live)]:
            every.update(catalog.packages)
        self._days = [v.effective_on for v in live]
        self._catalogs = [_knowing(first, every)] + [
            _knowing(replace(v.catalog, version=v.id, effective_on=v.effective_on), every) for v in live]

    def on(self, day: date) -> Catalog:
        """The catalog in force on ``day`` (knowing every package any version sells, as retired)."""
        return self._catalogs[bisect_right(self._days, day)]

    def next_after(self, day: date) -> Catalog | None:
        """The first version that comes into force after ``day`` (a change customers are told of)."""
        i = bisect_right(self._days, day)
        return self._catalogs[i + 1] if i < len(self._days) else None


def _knowing(catalog: Catalog, every: Mapping[str, PackageSku]) -> Catalog:
    return replace(catalog, retired={k: v for k, v in every.items() if k not in catalog.packages})


def as_json(catalog: Catalog) -> dict[str, Any]:
    """A catalog's prices in the shape ``GET /v1/catalog`` answers and a version is published in."""
    payg = []
    for s in catalog.services.values():
        entry: dict[str, Any] = {"service": s.service, "unit": s.unit, "price_unit": PRICE_UNIT_LABEL[s.unit],
                                 "name_zh": s.name_zh, "name_en": s.name_en}
        if s.flat_price is not None:
            entry["price"] = f"{s.flat_price:f}"
        else:
            entry["tiers"] = [{"up_to": t.up_to, "price": f"{t.price:f}"} for t in s.tiers]
        payg.append(entry)
    return {
        "packages": [{"sku": p.sku, "service": p.service, "size": p.size, "unit": catalog.services[p.service].unit,
                      "price": f"{p.price:.2f}", "validity": str(p.validity), "label_zh": p.label_zh}
                     for p in catalog.packages.values()],
        "payg": payg,
    }


def from_json(data: Any, first: Catalog, source: str = "catalog") -> Catalog:
    """A version's prices in the shape ``GET /v1/catalog`` answers (``payg`` and ``packages``),
    checked as the catalog file is: every service priced, every package's size, price, validity
    and tiers; the regions and reminder thresholds are the first version's."""
    if not isinstance(data, Mapping):
        raise CatalogError(f"{source}: must be an object with 'payg' and 'packages'")
    for key in ("payg", "packages"):
        if not isinstance(data.get(key), list):
            raise CatalogError(f"{source}: field '{key}': is missing or not a list")
    prices, packages = priced({"service": [_payg_entry(e) for e in data["payg"]], "package": data["packages"]}, source)
    return Catalog(prices, packages, first.regions, first.low_thresholds)


def _payg_entry(entry: Any) -> Any:
    """A ``payg`` entry as the file's ``service`` entry (``id`` for ``service``; the last tier's
    ``up_to: null`` left out)."""
    if not isinstance(entry, Mapping):
        return entry
    out = {k: v for k, v in entry.items() if k not in ("service", "price_unit")}
    out["id"] = entry.get("service")
    if isinstance(entry.get("tiers"), list):
        out["tiers"] = [{k: v for k, v in t.items() if not (k == "up_to" and v is None)} if isinstance(t, Mapping) else t
                        for t in entry["tiers"]]
    return out


def check_publish(effective_on: date, today: date, versions: Sequence[Version]) -> None:
    """R31: a version comes into force after the day it is published, on a day no other live
    version has."""
    if effective_on <= today:
        raise InvalidRequest(f"effective_on must be after today ({today.isoformat()}): a version in force is never "
                             "changed, and today's prices may already have been charged", {"effective_on": effective_on.isoformat()})
    if any(v.effective_on == effective_on and v.withdrawn_at is None for v in versions):
        raise Conflict(f"a version already comes into force on {effective_on.isoformat()}; withdraw it first",
                       {"effective_on": effective_on.isoformat()})


def check_skus(catalog: Catalog, known: Mapping[str, PackageSku]) -> None:
    """A SKU names one thing for good: a version may change its price, not its service, size or
    validity (packages held carry them; sell a new SKU instead)."""
    for sku, item in catalog.packages.items():
        was = known.get(sku)
        if was is None:
            continue
        for name in ("service", "size", "validity"):
            if getattr(was, name) != getattr(item, name):
                raise InvalidRequest(f"package {sku}: field '{name}': a version may change a package's price, not its {name} "
                                     f"({getattr(was, name)} before); publish it under a new SKU", {"sku": sku, "field": name})


def check_withdraw(version: Version, today: date) -> None:
    """R31: only a version whose day is still ahead may be withdrawn."""
    if version.withdrawn_at is not None:
        raise Conflict(f"version {version.id} was already withdrawn", {"version": version.id})
    if version.effective_on <= today:
        raise Conflict(f"version {version.id} has been in force since {version.effective_on.isoformat()}: "
                       "a version in force is never changed or withdrawn; publish a new one", {"version": version.id})


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between a version and the one before it. ``kind``: ``price`` (a service's
    pay-as-you-go price or tiers), ``package_price``, ``added``, ``retired``."""

    kind: str
    key: str
    before: Decimal | Tiers | None
    after: Decimal | Tiers | None


def diff(before: Catalog, after: Catalog) -> list[Change]:
    """What ``after`` changes against ``before``: services first, then packages, in catalog order."""
    changes = [Change("price", s, _tiers(before.services[s]), _tiers(p))
               for s, p in after.services.items() if s in before.services and _tiers(before.services[s]) != _tiers(p)]
    for sku, item in after.packages.items():
        old = before.packages.get(sku)
        if old is None:
            changes.append(Change("added", sku, None, item.price))
        elif old.price != item.price:
            changes.append(Change("package_price", sku, old.price, item.price))
    changes += [Change("retired", sku, old.price, None) for sku, old in before.packages.items() if sku not in after.packages]
    return changes


def _tiers(price: PaygPrice) -> Tiers:
    return tuple((t.up_to, t.price) for t in price.tiers)
