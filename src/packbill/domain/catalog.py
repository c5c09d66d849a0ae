"""The catalog: billable services, their pay-as-you-go prices, the packages on sale and the
regions. Prices live here and nowhere else; the default catalog is ``catalog.toml`` beside
this module, and an operator can load their own file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from .days import Validity
from .limits import MAX_DAY_CALLS, MAX_DAY_CHARGE_FEN, MAX_DAY_TOTAL
from .money import BYTES_PER_GB, parse_decimal, window_bytes_to_bps

AI_SERVICES = (
    "ai.pet",
    "ai.vehicle",
    "ai.plate",
    "ai.body",
    "ai.keypoints",
    "ai.face",
    "ai.tags",
    "ai.kitchen",
)
TRAFFIC_SERVICES = ("traffic.up", "traffic.down")
BANDWIDTH_SERVICES = ("bandwidth.up", "bandwidth.down")
USAGE_SERVICES = AI_SERVICES + TRAFFIC_SERVICES
"""Services that usage events report (bandwidth is derived from traffic, R8)."""

BANDWIDTH_OF = {"traffic.up": "bandwidth.up", "traffic.down": "bandwidth.down"}

UNITS = {"call": 1, "byte": BYTES_PER_GB, "mbps_day": 1}
"""How many units one price applies to: per call, per GB of bytes, per Mbps per day."""
PRICE_UNIT_LABEL = {"call": "call", "byte": "GB", "mbps_day": "Mbps/day"}


def largest_day(service_id: str) -> Decimal:
    """The most price units one day of a service can bill: its day limit of calls or bytes, and
    for daily peak bandwidth, a whole day's limit of bytes in one five-minute window."""
    if service_id in BANDWIDTH_SERVICES:
        return Decimal(window_bytes_to_bps(MAX_DAY_TOTAL)) / 10**6
    if service_id in TRAFFIC_SERVICES:
        return Decimal(MAX_DAY_TOTAL) / BYTES_PER_GB
    return Decimal(MAX_DAY_CALLS)


class CatalogError(ValueError):
    """A catalog file that cannot be used; the message names the entry and the field."""


@dataclass(frozen=True, slots=True)
class Tier:
    """One band of a graduated monthly price: quantities below ``up_to`` (None: no limit)."""

    up_to: int | None
    price: Decimal


@dataclass(frozen=True, slots=True)
class PaygPrice:
    """The pay-as-you-go price of a service: flat, or graduated monthly tiers.

    ``price`` and each tier's price apply per price unit (a call, a GB, a Mbps per day).
    """

    service: str
    unit: str
    name_zh: str
    name_en: str
    tiers: tuple[Tier, ...]

    @property
    def units_per_price(self) -> int:
        return UNITS[self.unit]

    @property
    def flat_price(self) -> Decimal | None:
        return self.tiers[0].price if len(self.tiers) == 1 else None

    def amount(self, quantity: int | Decimal, month_before: int = 0) -> Decimal:
        """Unrounded amount for ``quantity`` units billed after ``month_before`` units of the
        same service already billed pay-as-you-go this month (graduated tiers)."""
        if len(self.tiers) == 1:
            return quantity * self.tiers[0].price / self.units_per_price
        total = Decimal(0)
        lower = 0
        start, end = month_before, month_before + quantity
        for tier in self.tiers:
            upper = tier.up_to
            band_lo = max(start, lower)
            band_hi = end if upper is None else min(end, upper)
            if band_hi > band_lo:
                total += Decimal(band_hi - band_lo) * tier.price
            if upper is None or upper >= end:
                break
            lower = upper
        return total / self.units_per_price


@dataclass(frozen=True, slots=True)
class PackageSku:
    """A resource package on sale."""

    sku: str
    service: str
    size: int
    price: Decimal
    validity: Validity
    label_zh: str = ""


@dataclass(frozen=True, slots=True)
class Catalog:
    services: Mapping[str, PaygPrice]
    packages: Mapping[str, PackageSku]
    regions: Mapping[str, bool]
    """Region id -> True for mainland China (R1)."""
    low_thresholds: tuple[Decimal, ...] = field(default=(Decimal("0.2"), Decimal("0.1")))
    """R11: fractions of a package's size whose crossing sends a reminder."""
    version: str = "v1"
    """R31: which published version this is (the catalog file is ``v1``, in force from the beginning)."""
    effective_on: date | None = None
    """R31: the day this version came into force (None: from the beginning)."""
    retired: Mapping[str, PackageSku] = field(default_factory=dict)
    """R31: packages other versions sell and this one does not: never sold under this version,
    but named where customers hold them."""

    def sku(self, sku: str) -> PackageSku:
        """A package on sale under this version (``UnknownSku`` otherwise, saying when it is retired)."""
        try:
            return self.packages[sku]
        except KeyError:
            raise UnknownSku(sku, retired=sku in self.retired) from None

    def described(self, sku: str) -> PackageSku | None:
        """A package as it was sold, on sale now or not (names, sizes, validity of held packages)."""
        return self.packages.get(sku) or self.retired.get(sku)

    def on(self, day: date) -> Catalog:
        """R31: the catalog in force on ``day``; a lone catalog is in force every day."""
        return self

    def price(self, service: str) -> PaygPrice:
        return self.services[service]

    def is_mainland(self, region: str) -> bool:
        return self.regions[region]


class Prices(Protocol):
    """R31: what answers which catalog is in force on a day (``Catalog`` alone, or its versions)."""

    def on(self, day: date) -> Catalog: ...


class UnknownSku(LookupError):
    def __init__(self, sku: str, retired: bool = False) -> None:
        super().__init__(f"the package '{sku}' is no longer sold (a price version retired it); packages already "
                         "bought keep working" if retired else f"there is no package '{sku}' in the catalog")
        self.sku = sku
        self.retired = retired


def default_catalog_text() -> str:
    return resources.files("packbill.domain").joinpath("catalog.toml").read_text("utf-8")


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load and check a catalog file (the shipped default when ``path`` is None)."""
    text = default_catalog_text() if path is None else Path(path).read_text("utf-8")
    return parse_catalog(text, source=str(path or "catalog.toml"))


def parse_catalog(text: str, source: str = "catalog") -> Catalog:
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{source}: not valid TOML: {exc}") from None
    return _build(data, source)


def _err(where: str, field_name: str, problem: str) -> CatalogError:
    return CatalogError(f"{where}: field '{field_name}': {problem}")


def _get(entry: Mapping[str, Any], where: str, name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in entry:
        raise _err(where, name, "is missing")
    value = entry[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _err(where, name, f"has the wrong type ({type(value).__name__})")
    return value


def _decimal(entry: Mapping[str, Any], where: str, name: str, *, positive: bool) -> Decimal:
    if name not in entry:
        raise _err(where, name, "is missing")
    try:
        value = parse_decimal(entry[name])
    except ValueError as exc:
        raise _err(where, name, str(exc)) from None
    if value < 0 or (positive and value == 0):
        raise _err(where, name, "must be greater than zero" if positive else "must not be negative")
    return value


def _tiers(entry: Mapping[str, Any], where: str) -> tuple[Tier, ...]:
    if "price" in entry and "tiers" in entry:
        raise _err(where, "tiers", "give either 'price' or 'tiers', not both")
    if "tiers" not in entry:
        return (Tier(None, _decimal(entry, where, "price", positive=False)),)
    raw = entry["tiers"]
    if not isinstance(raw, list) or not raw:
        raise _err(where, "tiers", "must be a non-empty list of {up_to, price}")
    tiers: list[Tier] = []
    previous = 0
    for i, item in enumerate(raw):
        here = f"{where} tier {i + 1}"
        if not isinstance(item, dict):
            raise _err(where, "tiers", f"entry {i + 1} must be a table")
        price = _decimal(item, here, "price", positive=False)
        last = i == len(raw) - 1
        if last:
            if "up_to" in item:
                raise _err(here, "up_to", "the last tier has no upper bound")
            tiers.append(Tier(None, price))
        else:
            up_to = _get(item, here, "up_to", int)
            if up_to <= previous:
                raise _err(here, "up_to", "tiers must rise")
            previous = up_to
            tiers.append(Tier(up_to, price))
    return tuple(tiers)


def _build(data: Mapping[str, Any], source: str) -> Catalog:
    services, packages = priced(data, source)
    return Catalog(services, packages, _regions(data.get("regions", {}), source), _low_fractions(data, source))


def priced(data: Mapping[str, Any], source: str) -> tuple[dict[str, PaygPrice], dict[str, PackageSku]]:
    """The prices of a catalog's entries (``service``, ``package``, the default ``validity``),
    each checked, every billable service priced; a ``CatalogError`` names the entry and field."""
    default_validity = data.get("validity", "P1Y")
    try:
        Validity.parse(default_validity)
    except (ValueError, TypeError) as exc:
        raise _err(source, "validity", str(exc)) from None
    services: dict[str, PaygPrice] = {}
    for i, entry in enumerate(_entries(data, "service", source)):
        price = _service(entry, f"service #{i + 1}")
        if price.service in services:
            raise _err(f"service {price.service}", "id", "appears twice")
        services[price.service] = price
    missing = [s for s in USAGE_SERVICES + BANDWIDTH_SERVICES if s not in services]
    if missing:
        raise CatalogError(f"{source}: services without a price: {', '.join(missing)}")
    packages: dict[str, PackageSku] = {}
    for i, entry in enumerate(_entries(data, "package", source)):
        sku = _package(entry, f"package #{i + 1}", default_validity)
        if sku.sku in packages:
            raise _err(f"package {sku.sku}", "sku", "appears twice")
        packages[sku.sku] = sku
    return services, packages


def _entries(data: Mapping[str, Any], key: str, source: str) -> list[Mapping[str, Any]]:
    raw = data.get(key, [])
    if not isinstance(raw, list):
        raise _err(source, key, "must be a list")
    for i, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise _err(f"{key} #{i + 1}", key, "each entry must be an object")
    return raw


def _service(entry: Mapping[str, Any], where: str) -> PaygPrice:
    """One service's pay-as-you-go price, checked: its unit, its tiers, and that its largest day fits the books."""
    service_id = _get(entry, where, "id", str)
    where = f"service {service_id}"
    if service_id not in USAGE_SERVICES + BANDWIDTH_SERVICES:
        raise _err(where, "id", f"is not a billable service ({', '.join(USAGE_SERVICES + BANDWIDTH_SERVICES)})")
    unit = _get(entry, where, "unit", str)
    expected_unit = "call" if service_id in AI_SERVICES else "byte" if service_id in TRAFFIC_SERVICES else "mbps_day"
    if unit != expected_unit:
        raise _err(where, "unit", f"must be '{expected_unit}'")
    tiers = _tiers(entry, where)
    if service_id in BANDWIDTH_SERVICES and len(tiers) > 1:
        raise _err(where, "tiers", "daily peak bandwidth is priced flat per Mbps per day")
    highest = max(t.price for t in tiers)
    if highest * largest_day(service_id) * 100 > MAX_DAY_CHARGE_FEN:
        ceiling = (Decimal(MAX_DAY_CHARGE_FEN) / 100 / largest_day(service_id)).quantize(Decimal("0.000001"))
        raise _err(where, "tiers" if len(tiers) > 1 else "price",
                   f"at most {ceiling} CNY per {PRICE_UNIT_LABEL[unit]}, so that the largest day this service may "
                   f"report costs at most {MAX_DAY_CHARGE_FEN // 100} CNY and the books' sums fit")
    return PaygPrice(service=service_id, unit=unit, name_zh=str(entry.get("name_zh", service_id)),
                     name_en=str(entry.get("name_en", service_id)), tiers=tiers)


def _package(entry: Mapping[str, Any], where: str, default_validity: str) -> PackageSku:
    """One package on sale, checked."""
    sku = _get(entry, where, "sku", str)
    where = f"package {sku}"
    service = _get(entry, where, "service", str)
    if service not in USAGE_SERVICES:
        raise _err(where, "service", "packages exist only for ai.* and traffic.* services")
    size = _get(entry, where, "size", int)
    if size <= 0:
        raise _err(where, "size", "must be greater than zero")
    price = _decimal(entry, where, "price", positive=False)
    if price != price.quantize(Decimal("0.01")):
        raise _err(where, "price", "a package price has at most two decimal places")
    try:
        validity = Validity.parse(entry.get("validity", default_validity))
    except ValueError as exc:
        raise _err(where, "validity", str(exc)) from None
    return PackageSku(sku, service, size, price, validity, str(entry.get("label_zh", "")))


def _regions(raw_regions: Mapping[str, Any], source: str) -> dict[str, bool]:
    """Each region id and whether it is in mainland China (R1)."""
    regions: dict[str, bool] = {}
    for key, mainland in (("mainland", True), ("other", False)):
        names = raw_regions.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise _err(f"{source} regions", key, "must be a list of region ids")
        for name in names:
            if name in regions:
                raise _err(f"{source} regions", key, f"region {name} is listed twice")
            regions[name] = mainland
    if not any(regions.values()):
        raise _err(f"{source} regions", "mainland", "at least one mainland region is needed")
    return regions


def _low_fractions(data: Mapping[str, Any], source: str) -> tuple[Decimal, ...]:
    """R11: the fractions left below which a package's reminder is sent, largest first."""
    thresholds = data.get("reminders", {}).get("low_fractions", ["0.2", "0.1"])
    try:
        fractions = tuple(sorted((parse_decimal(t) for t in thresholds), reverse=True))
    except (ValueError, TypeError) as exc:
        raise _err(f"{source} reminders", "low_fractions", str(exc)) from None
    if any(not (0 < f < 1) for f in fractions):
        raise _err(f"{source} reminders", "low_fractions", "each fraction must lie between 0 and 1")
    return fractions

