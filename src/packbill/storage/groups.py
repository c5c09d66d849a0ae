"""Group accounts' storage (R32): every change of an account's payer, appended, never changed.
The rules are ``domain.group``'s."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.group import PayerChange
from ..domain.settlement import AccountState
from ..domain.wallet import Purse
from . import schema
from .sql import day_value, from_us, lock_accounts, to_us
from .wallet import load_purses


def _change(r) -> PayerChange:
    return PayerChange(r.payer_id, day_value(r.effective_day), from_us(r.set_us))


def payer_changes(conn: Connection, account_ids: Iterable[str] | None = None) -> dict[str, list[PayerChange]]:
    """Per account, its payer changes in the order they were made (every account's when
    ``account_ids`` is None); an account never in a group has none."""
    ap = schema.account_payers
    query = sa.select(ap).order_by(ap.c.account_id, ap.c.seq)
    if account_ids is not None:
        ids = sorted(set(account_ids))
        if not ids:
            return {}
        query = query.where(ap.c.account_id.in_(ids))
    out: dict[str, list[PayerChange]] = {}
    for r in conn.execute(query):
        out.setdefault(r.account_id, []).append(_change(r))
    return out


def history(conn: Connection, account_id: str) -> list[PayerChange]:
    """One account's payer changes in the order they were made."""
    return payer_changes(conn, [account_id]).get(account_id, [])


def histories_naming(conn: Connection, payer_id: str) -> dict[str, list[PayerChange]]:
    """The payer changes of every account that ever had ``payer_id`` as its payer."""
    ap = schema.account_payers
    ids = list(conn.execute(sa.select(ap.c.account_id).where(ap.c.payer_id == payer_id).distinct()).scalars())
    return payer_changes(conn, ids)


def insert_change(conn: Connection, account_id: str, change: PayerChange) -> None:
    """Append a change (the caller holds the account's lock: its number is the next one)."""
    ap = schema.account_payers
    seq = conn.execute(sa.select(sa.func.coalesce(sa.func.max(ap.c.seq), 0)).where(ap.c.account_id == account_id)).scalar_one() + 1
    conn.execute(sa.insert(ap).values(account_id=account_id, seq=seq, payer_id=change.payer, effective_day=change.effective_day,
                                      set_us=to_us(change.set_at)))


def wallets(conn: Connection, loaded: Mapping[str, tuple[Any, AccountState]], payers: Iterable[str], *,
            lock: bool) -> dict[str, Purse]:
    """The wallets that pay the loaded accounts' days: each one's own, and those of ``payers``
    (the payers their histories name) that were not loaded with them (``lock``: those payers
    locked for the transaction, after the loaded accounts the caller holds)."""
    outside = sorted(set(payers) - set(loaded))
    if lock:
        lock_accounts(conn, outside)
    return {**{a: state.purse for a, (_, state) in loaded.items()}, **(load_purses(conn, outside) if outside else {})}
