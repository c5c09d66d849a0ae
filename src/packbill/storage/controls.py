"""The customer's controls as rows: auto-rebuy rules and what each trigger did (R28), the monthly
budget and the pay-as-you-go caps (R30), and the month's spending they are measured against."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.auto_rebuy import Rule, Tried, Trigger
from ..domain.money import from_fen, to_fen
from . import schema
from .db import day_value
from .sql import insert_for, to_us

# -- R28 auto-rebuy --------------------------------------------------------------------------------


def rebuy_rules(conn: Connection, account_id: str) -> list[Rule]:
    r = schema.auto_rebuy_rules
    rows = conn.execute(sa.select(r).where(r.c.account_id == account_id).order_by(r.c.service))
    return [Rule(row.service, row.sku, Trigger(row.trigger), row.days_before, from_fen(row.monthly_cap_fen)) for row in rows]


def accounts_with_rules(conn: Connection) -> list[str]:
    r = schema.auto_rebuy_rules
    return [a for (a,) in conn.execute(sa.select(r.c.account_id).distinct().order_by(r.c.account_id))]


def set_rebuy_rule(conn: Connection, account_id: str, rule: Rule, at: datetime) -> None:
    r = schema.auto_rebuy_rules
    conn.execute(sa.delete(r).where(r.c.account_id == account_id, r.c.service == rule.service))
    conn.execute(sa.insert(r).values(account_id=account_id, service=rule.service, sku=rule.sku, trigger=rule.trigger.value,
                                     days_before=rule.days_before, monthly_cap_fen=to_fen(rule.monthly_cap), set_us=to_us(at)))


def delete_rebuy_rule(conn: Connection, account_id: str, service: str) -> bool:
    r = schema.auto_rebuy_rules
    return conn.execute(sa.delete(r).where(r.c.account_id == account_id, r.c.service == service)).rowcount > 0


def rebuy_tried(conn: Connection, account_id: str, service: str, key: str) -> Tried | None:
    """What was done about one trigger before (None: nothing)."""
    t = schema.auto_rebuys
    row = conn.execute(sa.select(t.c.order_id, t.c.tried_on).where(
        t.c.account_id == account_id, t.c.service == service, t.c.trigger_key == key)).first()
    return None if row is None else Tried(row.order_id, day_value(row.tried_on))


def rebuys_bought(conn: Connection, account_id: str) -> list[tuple[str, date, Decimal]]:
    """(service, month, contracted amount) of every rebuy the account made."""
    t = schema.auto_rebuys
    rows = conn.execute(sa.select(t.c.service, t.c.month, t.c.amount_fen).where(t.c.account_id == account_id, t.c.order_id.is_not(None)))
    return [(s, day_value(m), from_fen(fen)) for s, m, fen in rows]


def rebuy_refusals(conn: Connection, account_id: str) -> list[tuple[str, str, date, str]]:
    """(service, trigger key, day last tried, why) of each trigger not bought (yet)."""
    t = schema.auto_rebuys
    rows = conn.execute(sa.select(t.c.service, t.c.trigger_key, t.c.tried_on, t.c.refusal)
                        .where(t.c.account_id == account_id, t.c.order_id.is_(None)).order_by(t.c.tried_on))
    return [(s, k, day_value(d), why or "") for s, k, d, why in rows]


def record_rebuy(conn: Connection, account_id: str, service: str, key: str, tried_on: date, *, order_id: str | None = None,
                 amount: Decimal | None = None, refusal: str | None = None) -> None:
    """What acting on a trigger did today: the order bought, or the refusal. The trigger's row is
    its key: a second writer of the same bought trigger fails here (and its purchase with it)."""
    t = schema.auto_rebuys
    values = dict(order_id=order_id, amount_fen=None if amount is None else to_fen(amount),
                  month=tried_on.replace(day=1) if order_id else None, tried_on=tried_on, refusal=refusal)
    done = conn.execute(sa.update(t).where(t.c.account_id == account_id, t.c.service == service, t.c.trigger_key == key,
                                           t.c.order_id.is_(None)).values(**values)).rowcount
    if not done:
        conn.execute(sa.insert(t).values(account_id=account_id, service=service, trigger_key=key, **values))


# -- R30 budget and caps ---------------------------------------------------------------------------


def limits(conn: Connection, account_id: str) -> dict[str, Decimal]:
    """The account's monthly limits by scope: ``*`` the budget, a service its cap."""
    s = schema.spend_limits
    return {scope: from_fen(fen) for scope, fen in conn.execute(sa.select(s.c.scope, s.c.monthly_fen).where(s.c.account_id == account_id))}


def set_limit(conn: Connection, account_id: str, scope: str, monthly: Decimal | None) -> None:
    s = schema.spend_limits
    conn.execute(sa.delete(s).where(s.c.account_id == account_id, s.c.scope == scope))
    if monthly is not None:
        conn.execute(insert_for(conn, s).values(account_id=account_id, scope=scope, monthly_fen=to_fen(monthly)))


def payg_by_day(conn: Connection, account_id: str, first: date, last: date) -> dict[tuple[date, str], Decimal]:
    """Pay-as-you-go billed per (usage day, service) from ``first`` to ``last`` (supplements included)."""
    bl = schema.bill_lines
    rows = conn.execute(sa.select(bl.c.day, bl.c.service, sa.func.sum(bl.c.amount_fen))
                        .where(bl.c.account_id == account_id, bl.c.day.between(first, last)).group_by(bl.c.day, bl.c.service))
    return {(day_value(d), s): from_fen(int(fen)) for d, s, fen in rows}


def purchases_between(conn: Connection, account_id: str, start: datetime, end: datetime) -> Decimal:
    """What the account's orders from ``start`` to before ``end`` cost (contracted), less what was
    refunded in that time."""
    o, p = schema.orders, schema.packages
    bought = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(o.c.amount_fen), 0)).where(
        o.c.account_id == account_id, o.c.at_us >= to_us(start), o.c.at_us < to_us(end))).scalar()
    refunded = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(p.c.refund_fen), 0)).where(
        p.c.account_id == account_id, p.c.refunded_us >= to_us(start), p.c.refunded_us < to_us(end))).scalar()
    return from_fen(int(bought) - int(refunded))
