"""R28 auto-rebuy: the rules, and the step of each settlement that acts on their triggers.

Only settlement buys (the live estimate of R26 never does): after a run's books, each account with
rules is looked at in one transaction under its lock. A trigger that has happened buys one
package as a normal purchase (``purchases.buy_locked``: funds, vouchers, discount, journal, the
``package.bought`` event), and the trigger's row, the order and the audit record commit together:
a run killed mid-way wrote all of it or nothing, and a run repeated, or another overlapping it,
finds the trigger's row and buys nothing. A refusal (funds, the cap) is a ``rebuy_failed`` message
and is tried again at the next settlement, never more than once a day.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.engine import Connection

from ..domain.auto_rebuy import Act, Due, Rule, check_rule, decide, due, month_of, spent_in
from ..domain.catalog import USAGE_SERVICES, UnknownSku
from ..domain.days import shanghai_day
from ..domain.errors import BillingError, InvalidRequest
from ..domain.purchase import quote
from ..domain.traffic_billing import mode_on, requested_by
from ..domain.wallet import contracted
from ..storage import accounts as accounts_store
from ..storage import controls as controls_store
from ..storage import notify as notify_store
from ..storage import packages as packages_store
from ..storage import wallet as wallet_store
from ..storage.db import Unavailable
from . import trail
from .context import Context
from .purchases import buy_locked
from .wallet import wallet_rate

log = logging.getLogger("packbill.auto_rebuy")

ACTOR = "auto-rebuy"
"""Who the audit trail names for a rebuy (the customer's rule, carried out by settlement)."""


@dataclass(frozen=True, slots=True)
class RuleView:
    rule: Rule
    spent_this_month: Decimal


def rules(ctx: Context, account_id: str) -> list[RuleView]:
    """The account's rules, each with what its rebuys spent this calendar month (what the cap counts)."""
    month = month_of(shanghai_day(ctx.now()))
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        found = controls_store.rebuy_rules(conn, account_id)
        bought = controls_store.rebuys_bought(conn, account_id)
    return [RuleView(r, spent_in([(m, a) for s, m, a in bought if s == r.service], month)) for r in found]


def set_rule(ctx: Context, account_id: str, service: str, sku: object, trigger: object, days_before: object,
             monthly_cap: Decimal) -> RuleView:
    """Turn on (or change) a service's rule; refused whole when a field is wrong."""
    rule = check_rule(ctx.catalog, service, sku, trigger, days_before, monthly_cap)
    with ctx.db.write() as conn:
        accounts_store.get_account(conn, account_id, lock=True)
        controls_store.set_rebuy_rule(conn, account_id, rule, ctx.now())
    return next(v for v in rules(ctx, account_id) if v.rule.service == service)


def remove_rule(ctx: Context, account_id: str, service: str) -> bool:
    """Turn a service's rule off; whether there was one (off already is not an error, an unknown
    service is)."""
    if service not in USAGE_SERVICES:
        raise InvalidRequest(f"unknown service {service!r}: auto-rebuy is for {', '.join(USAGE_SERVICES)}")
    with ctx.db.write() as conn:
        accounts_store.get_account(conn, account_id, lock=True)
        return controls_store.delete_rebuy_rule(conn, account_id, service)


@dataclass(frozen=True, slots=True)
class Outcome:
    account_id: str
    service: str
    trigger: str
    order_id: str | None = None
    refusal: str | None = None


@dataclass(slots=True)
class RebuyResult:
    outcomes: list[Outcome] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(account, reason) of the accounts whose step could not run; they are looked at again next time."""

    @property
    def bought(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.order_id is not None]


def rebuy(ctx: Context, at: datetime, account_ids: Iterable[str] | None = None) -> RebuyResult:
    """Settlement's step: act on every trigger that has happened by ``at`` (the run's moment) for
    the accounts with rules (or ``account_ids``). One account's trouble never holds back another's."""
    if account_ids is None:
        with ctx.db.read() as conn:
            account_ids = controls_store.accounts_with_rules(conn)
    result = RebuyResult()
    for account_id in account_ids:
        def one(conn: Connection, account_id: str = account_id) -> list[Outcome]:
            return _account(ctx, conn, account_id, at)

        try:
            result.outcomes += ctx.db.write_retrying(one)
        except Unavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - named in the result and the log; the others go on
            log.warning("auto-rebuy of %s could not run (%s: %s)", account_id, type(exc).__name__, exc)
            result.failed.append((account_id, f"{type(exc).__name__}: {str(exc)[:200]}"))
    return result


def _account(ctx: Context, conn: Connection, account_id: str, at: datetime) -> list[Outcome]:
    """One account's triggers, in the caller's transaction under the account's lock."""
    account = accounts_store.get_account(conn, account_id, lock=True)
    found = controls_store.rebuy_rules(conn, account_id)
    if not found:
        return []
    today = shanghai_day(at)
    held = packages_store.account_packages(conn, account_id)
    mode = mode_on(today, requested_by(accounts_store.load_switches(conn, account_id), at))
    bought = controls_store.rebuys_bought(conn, account_id)
    out = []
    for rule in found:
        trigger = due(rule, today, held, mode)
        if trigger is None:
            continue
        spent = spent_in([(m, a) for s, m, a in bought if s == rule.service], month_of(today))
        price = Decimal("0.00")
        try:
            price = quote(ctx.catalog_at(at), account_id, account.site, rule.sku, 1, at, wallet_store.load_rates(conn, [account_id])[account_id],
                          wallet_store.load_purse(conn, account_id)).amount
            act = decide(rule, controls_store.rebuy_tried(conn, account_id, rule.service, trigger.key), today, spent, price)
            if act is Act.WAIT:
                continue
            if act is Act.CAPPED:
                out.append(_refuse(conn, account_id, rule, trigger, at, "monthly_cap", spent, price))
                continue
            with conn.begin_nested():
                out.append(_buy(ctx, conn, account.site, account_id, rule, trigger, at, spent))
        except (BillingError, UnknownSku) as exc:  # the money, the site, a SKU gone from the catalog: refused, said, tried tomorrow
            code = exc.code if isinstance(exc, BillingError) else "unknown_sku"
            out.append(_refuse(conn, account_id, rule, trigger, at, code, spent, price))
    return out


def _trigger_data(rule: Rule, trigger: Due) -> dict:
    return {"service": rule.service, "sku": rule.sku, "trigger": rule.trigger.value, "days_before": rule.days_before,
            "package_id": trigger.package.id, "last_day": trigger.package.last_day.isoformat()}


def _buy(ctx: Context, conn: Connection, site, account_id: str, rule: Rule, trigger: Due, at: datetime, spent: Decimal) -> Outcome:
    """Buy the rule's package, and record the trigger as bought and the purchase in the audit
    trail, all in the caller's transaction."""
    about = _trigger_data(rule, trigger)
    bought = buy_locked(ctx, conn, site, account_id, rule.sku, 1, at, also={"auto_rebuy": about})
    controls_store.record_rebuy(conn, account_id, rule.service, trigger.key, shanghai_day(at), order_id=bought.order_id,
                                amount=bought.amount)
    trail.insert(conn, at, ACTOR, "account", "schedule", "package.buy", target=bought.order_id, account_id=account_id,
                 parameters={"sku": rule.sku, "count": 1, "auto_rebuy": rule.trigger.value, "package_id": trigger.package.id,
                             "monthly_cap": str(rule.monthly_cap), "spent_this_month": str(spent + bought.amount)},
                 outcome="ok", detail=None)
    return Outcome(account_id, rule.service, trigger.key, order_id=bought.order_id)


def _refuse(conn: Connection, account_id: str, rule: Rule, trigger: Due, at: datetime, reason: str, spent: Decimal,
            price: Decimal) -> Outcome:
    """A trigger not bought today: its row says so (tried again at tomorrow's settlement), the audit
    trail has the refusal, and the customer a ``rebuy_failed`` message: for funds once a day, for
    the cap once a month."""
    today = shanghai_day(at)
    controls_store.record_rebuy(conn, account_id, rule.service, trigger.key, today, refusal=reason)
    trail.insert(conn, at, ACTOR, "account", "schedule", "package.buy", target=None, account_id=account_id,
                 parameters={"sku": rule.sku, "count": 1, "auto_rebuy": rule.trigger.value, "package_id": trigger.package.id},
                 outcome=reason, detail=None)
    when = f"{month_of(today):%Y-%m}" if reason == "monthly_cap" else today.isoformat()
    data = {**_trigger_data(rule, trigger), "day": today.isoformat(), "reason": reason, "amount": str(price),
            "monthly_cap": str(rule.monthly_cap), "spent_this_month": str(spent)}
    notify_store.emit(conn, [(account_id, "reminder.rebuy_failed", data, f"{account_id}:rebuy_failed:{trigger.key}:{reason}:{when}")], at)
    return Outcome(account_id, rule.service, trigger.key, refusal=reason)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A trigger refused at the latest settlement and not bought since (a reminder while it lasts)."""

    day: date
    data: dict


def refusals(ctx: Context, account_id: str, as_of: datetime | None = None) -> list[Refusal]:
    """R28: the triggers refused at today's or yesterday's settlement and not bought since, of the
    rules still on, with the figures of their ``rebuy_failed`` message."""

    today = shanghai_day(as_of or ctx.now())
    on = {v.rule.service: v for v in rules(ctx, account_id)}
    with ctx.db.read() as conn:
        found = controls_store.rebuy_refusals(conn, account_id)
    out = []
    for service, key, tried_on, reason in found:
        view = on.get(service)
        if view is None or not 0 <= (today - tried_on).days <= 1:
            continue
        rule = view.rule
        sold = ctx.catalogs().on(tried_on).described(rule.sku)  # R31: as priced that day, retired since or not
        price = contracted(sold.price if sold else Decimal("0.00"), wallet_rate(ctx, account_id, tried_on))[1]
        out.append(Refusal(tried_on, {"service": service, "sku": rule.sku, "trigger": rule.trigger.value, "reason": reason,
                                      "day": tried_on.isoformat(), "amount": str(price), "monthly_cap": str(rule.monthly_cap),
                                      "spent_this_month": str(view.spent_this_month), "trigger_key": key}))
    return out
