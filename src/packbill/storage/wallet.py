"""Money as rows: each account's purse (on its accounts row), vouchers, discount rates, top-ups,
the journal, wallet events and idempotency keys."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain import journal
from ..domain.errors import NotFound
from ..domain.money import from_fen, to_fen
from ..domain.wallet import AlertState, DiscountRate, Payment, PaymentTerms, Purse, Voucher
from . import schema
from .sql import day_value, from_us, to_us


def _voucher(r) -> Voucher:
    services = frozenset(r.services.split(",")) if r.services else None
    return Voucher(r.id, from_fen(r.amount_fen), from_fen(r.remaining_fen), day_value(r.expires_on), services, r.seq)


def load_purses(conn: Connection, account_ids: Sequence[str]) -> dict[str, Purse]:
    """Each account's purse: its money columns and its vouchers."""
    ids = list(account_ids)
    vouchers: dict[str, dict[str, Voucher]] = {a: {} for a in ids}
    for r in conn.execute(sa.select(schema.vouchers).where(schema.vouchers.c.account_id.in_(ids)).order_by(schema.vouchers.c.seq)):
        vouchers[r.account_id][r.id] = _voucher(r)
    a = schema.accounts
    out = {}
    for r in conn.execute(sa.select(a).where(a.c.id.in_(ids))):
        out[r.id] = Purse(
            cash=from_fen(r.cash_fen), vouchers=vouchers[r.id], terms=PaymentTerms(r.terms), credit_limit=from_fen(r.credit_limit_fen),
            arrears_since=from_us(r.arrears_since_us) if r.arrears_since_us is not None else None,
            threshold=from_fen(r.threshold_fen) if r.threshold_fen is not None else None,
            alert=AlertState(r.alert_count, day_value(r.alert_last_day) if r.alert_last_day is not None else None))
    missing = set(ids) - set(out)
    if missing:
        raise NotFound(f"there is no account {sorted(missing)[0]}")
    return out


def load_purse(conn: Connection, account_id: str) -> Purse:
    return load_purses(conn, [account_id])[account_id]


def purse_as_of(conn: Connection, account_id: str, as_of: datetime) -> Purse:
    """The purse as it stood at ``as_of``: cash and each voucher's remainder summed from the
    journal's postings up to that moment, the vouchers granted by then, and the arrears clock from
    the wallet's events (terms, credit limit and threshold as they are now)."""
    purse = load_purse(conn, account_id)
    je, po, v, we = schema.journal_entries, schema.postings, schema.vouchers, schema.wallet_events
    until = to_us(as_of)
    sums = dict(conn.execute(
        sa.select(po.c.ledger_account, sa.func.sum(po.c.amount_fen))
        .join(je, schema.entry_postings())
        .where(po.c.account_id == account_id, je.c.at_us <= until,
               sa.or_(po.c.ledger_account == journal.cash(account_id), po.c.ledger_account.like(journal.VOUCHER + "%")))
        .group_by(po.c.ledger_account)).all())
    granted = set(conn.execute(sa.select(v.c.id).where(v.c.account_id == account_id, v.c.granted_us <= until)).scalars())
    vouchers = {vid: replace(voucher, remaining=from_fen(int(sums.get(journal.voucher(vid), 0))))
                for vid, voucher in purse.vouchers.items() if vid in granted}
    arrears_since = None
    for kind, at_us in conn.execute(sa.select(we.c.kind, we.c.at_us).where(we.c.account_id == account_id, we.c.at_us <= until,
                                                                            we.c.kind.in_(("arrears", "arrears_lifted")))
                                    .order_by(we.c.at_us, we.c.id)):
        arrears_since = from_us(at_us) if kind == "arrears" else None
    return replace(purse, cash=from_fen(int(sums.get(journal.cash(account_id), 0))), vouchers=vouchers, arrears_since=arrears_since)


def save_purses(conn: Connection, purses: dict[str, tuple[Purse, Purse]]) -> None:
    """Write what changed between each account's purse before and after."""
    for account_id, (before, after) in purses.items():
        values = {}
        if after.cash != before.cash:
            values["cash_fen"] = to_fen(after.cash)
        if after.arrears_since != before.arrears_since:
            values["arrears_since_us"] = to_us(after.arrears_since) if after.arrears_since else None
        if after.alert != before.alert:
            values["alert_count"] = after.alert.count
            values["alert_last_day"] = after.alert.last_day
        if after.terms != before.terms:
            values["terms"] = after.terms.value
        if after.credit_limit != before.credit_limit:
            values["credit_limit_fen"] = to_fen(after.credit_limit)
        if after.threshold != before.threshold:
            values["threshold_fen"] = to_fen(after.threshold) if after.threshold is not None else None
        if values:
            conn.execute(sa.update(schema.accounts).where(schema.accounts.c.id == account_id).values(**values))
        changed = [(v.id, v.remaining) for v in after.vouchers.values()
                   if v.id in before.vouchers and before.vouchers[v.id].remaining != v.remaining]
        if changed:
            v = schema.vouchers  # by the account and the id: the vouchers' unique key (the id alone reads every voucher)
            conn.execute(sa.update(v).where(v.c.account_id == account_id, v.c.id == sa.bindparam("vid")).values(remaining_fen=sa.bindparam("fen")),
                         [dict(vid=vid, fen=to_fen(r)) for vid, r in sorted(changed)])


def insert_voucher(conn: Connection, account_id: str, voucher: Voucher, at: datetime) -> Voucher:
    seq = conn.execute(sa.insert(schema.vouchers).values(
        id=voucher.id, account_id=account_id, amount_fen=to_fen(voucher.amount), remaining_fen=to_fen(voucher.remaining),
        expires_on=voucher.expires_on, services=",".join(sorted(voucher.services)) if voucher.services else None,
        granted_us=to_us(at)).returning(schema.vouchers.c.seq)).scalar_one()
    return Voucher(voucher.id, voucher.amount, voucher.remaining, voucher.expires_on, voucher.services, seq)


def insert_rate(conn: Connection, account_id: str, rate: Decimal, effective_day: date, at: datetime) -> None:
    conn.execute(sa.insert(schema.discounts).values(account_id=account_id, rate=str(rate), effective_day=effective_day, set_us=to_us(at)))


def load_rates(conn: Connection, account_ids: Sequence[str]) -> dict[str, tuple[DiscountRate, ...]]:
    out: dict[str, list[DiscountRate]] = {a: [] for a in account_ids}
    for r in conn.execute(sa.select(schema.discounts).where(schema.discounts.c.account_id.in_(list(account_ids))).order_by(schema.discounts.c.seq)):
        out[r.account_id].append(DiscountRate(Decimal(r.rate), day_value(r.effective_day), r.seq))
    return {a: tuple(v) for a, v in out.items()}


def find_topup(conn: Connection, account_id: str, reference: str) -> tuple[str, Decimal] | None:
    r = conn.execute(sa.select(schema.topups).where(schema.topups.c.account_id == account_id, schema.topups.c.reference == reference)).first()
    return (r.id, from_fen(r.amount_fen)) if r else None


def insert_topup(conn: Connection, account_id: str, topup_id: str, reference: str, amount: Decimal, at: datetime) -> None:
    conn.execute(sa.insert(schema.topups).values(account_id=account_id, reference=reference, id=topup_id, amount_fen=to_fen(amount),
                                            at_us=to_us(at)))


def insert_events(conn: Connection, events: Sequence[tuple[str, str]], at: datetime, day: date) -> None:
    """Record wallet events (R19, R20): (account id, kind) raised by a movement at ``at`` on ``day``."""
    if events:
        conn.execute(sa.insert(schema.wallet_events), [dict(account_id=a, kind=k, day=day, at_us=to_us(at)) for a, k in events])


def events_of(conn: Connection, account_id: str) -> list[tuple[str, date, datetime]]:
    we = schema.wallet_events
    return [(r.kind, day_value(r.day), from_us(r.at_us))
            for r in conn.execute(sa.select(we).where(we.c.account_id == account_id).order_by(we.c.id))]


def package_payments(conn: Connection, account_id: str, package_id: str) -> Payment:
    p, pv = schema.packages, schema.package_vouchers
    row = conn.execute(sa.select(p.c.paid_cash_fen).where(p.c.account_id == account_id, p.c.id == package_id)).scalar_one()
    parts = tuple((r.voucher_id, from_fen(r.amount_fen)) for r in conn.execute(
        sa.select(pv).where(pv.c.account_id == account_id, pv.c.package_id == package_id).order_by(pv.c.voucher_id)))
    return Payment(parts, from_fen(row))


def record_package_payments(conn: Connection, account_id: str, payments: Sequence[tuple[str, Payment]]) -> None:
    p = schema.packages
    for package_id, payment in payments:
        conn.execute(sa.update(p).where(p.c.account_id == account_id, p.c.id == package_id).values(paid_cash_fen=to_fen(payment.cash)))
        if payment.vouchers:
            conn.execute(sa.insert(schema.package_vouchers), [dict(account_id=account_id, package_id=package_id, voucher_id=v,
                                                              amount_fen=to_fen(a))
                                                         for v, a in payment.vouchers])


# -- idempotency keys -----------------------------------------------------------------------------

def find_key(conn: Connection, scope: str, key: str) -> tuple[str, str, str | None] | None:
    """(fingerprint, ref, response) of a key already used in this scope."""
    k = schema.idempotency_keys
    r = conn.execute(sa.select(k).where(k.c.scope == scope, k.c.key == key)).first()
    return (r.fingerprint, r.ref, r.response) if r else None


def claim_key(conn: Connection, scope: str, key: str, fingerprint: str, ref: str, at: datetime) -> None:
    conn.execute(sa.insert(schema.idempotency_keys).values(scope=scope, key=key, fingerprint=fingerprint, ref=ref, created_us=to_us(at)))


def store_response(conn: Connection, scope: str, key: str, response: dict) -> None:
    k = schema.idempotency_keys
    conn.execute(sa.update(k).where(k.c.scope == scope, k.c.key == key).values(response=json.dumps(response)))


def topup_by_id(conn: Connection, account_id: str, topup_id: str) -> tuple[Decimal, str]:
    r = conn.execute(sa.select(schema.topups).where(schema.topups.c.id == topup_id, schema.topups.c.account_id == account_id)).one()
    return from_fen(r.amount_fen), r.reference


def entry_amount(conn: Connection, account_id: str, ref: str) -> Decimal:
    """What an entry moved on the account's cash (an adjustment's amount)."""
    je, po = schema.journal_entries, schema.postings
    return from_fen(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(po.c.amount_fen), 0)).join(je, schema.entry_postings())
                                 .where(je.c.ref == ref, je.c.account_id == account_id, po.c.ledger_account == journal.cash(account_id)))
                    .scalar_one())
