"""Price versions (R31): publishing, withdrawing and reading the catalog's versions.

A version is published with its effective day (after today) by an administrator, in one
transaction with its audit record; it is read back through the same check it passed. Purchases,
settlement, the live estimate and the advisor ask ``Context.catalogs()`` which version is in
force on each day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from ..domain.catalog import Catalog, CatalogError, parse_catalog
from ..domain.catalog_versions import IN_FORCE, Change, Version, as_json, check_publish, check_skus, check_withdraw, diff, from_json
from ..domain.days import shanghai_day
from ..domain.errors import Conflict, InvalidRequest, NotFound
from ..storage import catalog as catalog_store
from . import trail
from .context import Context


@dataclass(frozen=True, slots=True)
class VersionView:
    """A version as the operator sees it: ``v1`` is the catalog file, in force from the beginning."""

    id: str
    effective_on: date | None
    published_at: datetime | None
    status: str
    catalog: Catalog
    changes: tuple[Change, ...]
    """What it changes against the version in force before it (nothing for ``v1``)."""


def versions(ctx: Context) -> list[VersionView]:
    """Every version, ``v1`` first, then by effective day; withdrawn ones included."""
    today = shanghai_day(ctx.now())
    every = ctx.catalogs()
    current = every.on(today).version
    out = [VersionView("v1", None, None, IN_FORCE if current == "v1" else "past", every.first, ())]
    for v in every.versions:  # read once by the context, withdrawn ones included
        before = every.on(v.effective_on - timedelta(days=1))  # the version it follows (a withdrawn one: would have)
        known = {**before.retired, **before.packages, **every.on(today).retired}
        named = replace(v.catalog, version=v.id, effective_on=v.effective_on,  # naming what it retires too
                        retired={k: x for k, x in known.items() if k not in v.catalog.packages})
        out.append(VersionView(v.id, v.effective_on, v.published_at, v.status(today, current), named, tuple(diff(before, v.catalog))))
    return out


def as_of(ctx: Context, at: datetime | None) -> Catalog:
    """The catalog in force at a moment (now by default)."""
    return ctx.catalog_at(at or ctx.now())


def upcoming(ctx: Context) -> tuple[Catalog, tuple[Change, ...]] | None:
    """The next version to come into force and what it changes (customers are told ahead)."""
    today = shanghai_day(ctx.now())
    every = ctx.catalogs()
    found = every.next_after(today)
    return None if found is None else (found, tuple(diff(every.on(today), found)))


def parse_file(ctx: Context, path: str | Path) -> Catalog:
    """A version's prices from a file: JSON in the shape ``GET /v1/catalog`` answers, or TOML as the
    catalog file is written (regions and reminder thresholds stay the catalog file's)."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"the catalog file {path} cannot be read as UTF-8 text: {exc}") from None
    if str(path).endswith(".toml"):
        found = _checked(lambda: parse_catalog(text, source=str(path)))
        return Catalog(found.services, found.packages, ctx.seed.regions, ctx.seed.low_thresholds)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidRequest(f"{path}: not valid JSON ({exc}); a version is JSON shaped as GET /v1/catalog answers, "
                             "or TOML as the catalog file") from None
    return _checked(lambda: from_json(data, ctx.seed, str(path)))


def checked(ctx: Context, body: Any) -> Catalog:
    """A version's prices as the API receives them, checked as the catalog file is."""
    return _checked(lambda: from_json(body, ctx.seed))


def _checked(parse) -> Catalog:
    try:
        return parse()
    except CatalogError as exc:
        raise InvalidRequest(str(exc)) from None


def publish(ctx: Context, effective_on: date, catalog: Catalog, by: str) -> VersionView:
    """R31: a new version, in force from ``effective_on`` (after today), with its audit record."""
    at = ctx.now()
    check_publish(effective_on, shanghai_day(at), _published(ctx))
    every = ctx.catalogs().on(effective_on)
    check_skus(catalog, {**every.retired, **every.packages})
    try:
        with ctx.db.write() as conn:
            version_id = catalog_store.insert(conn, effective_on, as_json(catalog), at, by)
            trail.created(version_id)
    except IntegrityError:
        raise Conflict("another version was published at the same moment; look at the versions and try again") from None
    finally:
        ctx.forget_versions()
    return _view(ctx, version_id)


def withdraw(ctx: Context, version_id: str) -> VersionView:
    """R31: withdraw a version whose day is still ahead (one in force, or past, is ``conflict``)."""
    at = ctx.now()
    found = _version(ctx, version_id)
    check_withdraw(found, shanghai_day(at))
    with ctx.db.write() as conn:
        catalog_store.withdraw(conn, version_id, at)
    ctx.forget_versions()
    return _view(ctx, version_id)


def _version(ctx: Context, version_id: str) -> Version:
    if version_id == "v1":
        raise Conflict("v1 is the catalog file, in force from the beginning: it is never withdrawn", {"version": "v1"})
    found = next((v for v in _published(ctx) if v.id == version_id), None)
    if found is None:
        raise NotFound(f"there is no catalog version {version_id!r}", {"version": version_id})
    return found


def _published(ctx: Context) -> list[Version]:
    """The versions as stored now (not the context's kept ones: a change is checked against the latest)."""
    with ctx.db.read() as conn:
        return [v.version(ctx.seed) for v in catalog_store.versions(conn)]


def _view(ctx: Context, version_id: str) -> VersionView:
    return next(v for v in versions(ctx) if v.id == version_id)

