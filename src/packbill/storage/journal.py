"""The journal (R15, R21): entries and their postings, appended and never changed.

The chart of accounts and what each entry means are ``domain.journal``'s; this module only
writes and reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.days import shanghai_day
from ..domain.journal import Entry
from ..domain.money import from_fen, to_fen
from . import schema
from .sql import Raw, from_us, new_ids, to_us


def write_entries(conn: Connection, account_id: str, at: datetime, entries: Sequence[Entry], memo: str | None = None,
                  statement_month: date | None = None) -> None:
    """Append journal entries of one account (never updated or deleted): a movement of money.
    ``statement_month``: the month whose statement shows it when that is not the month of ``at``
    (late money)."""
    write_many(conn, [(account_id, entry) for entry in entries], at, memo, statement_month=statement_month)


def write_many(conn: Connection, entries: Sequence[tuple[str, Entry]], at: datetime, memo: str | None = None,
               statement_month: date | None = None) -> None:
    """Append (account, entry) pairs in bulk: ids taken in one step, then one insert of the
    entries and one of their postings. ``statement_month``: the entries' statement month when it
    is not the month of ``at`` (late money; settlement's entries never are on a statement's
    money lines)."""
    if not entries:
        return
    ids = new_ids(conn, "journal_entries", len(entries))
    at_us = to_us(at)
    # the day each counts on in the books: its own (a settlement's usage day, a last day), else the
    # first day of its statement month when that month is not the month of ``at``, else the day of ``at``
    default_day = statement_month if statement_month is not None else shanghai_day(at)
    with Raw(conn) as raw:
        month = raw.day(statement_month) if statement_month is not None else None
        days = {d: raw.day(d) for d in {default_day, *(e.day for _, e in entries if e.day is not None)}}
        raw.many("INSERT INTO journal_entries (id, account_id, at_us, kind, ref, memo, statement_month, book_day, member_id) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 [(i, a, at_us, e.kind, e.ref[:64], memo, month, days[e.day if e.day is not None else default_day], e.member)
                  for i, (a, e) in zip(ids, entries, strict=True)])
        raw.many("INSERT INTO postings (account_id, entry_id, ledger_account, amount_fen) VALUES (?, ?, ?, ?)",
                 [(a, i, p.ledger_account, to_fen(p.amount)) for i, (a, e) in zip(ids, entries, strict=True) for p in e.postings])


def entries_of(conn: Connection, account_id: str, first: datetime | None = None, last: datetime | None = None) -> list[dict]:
    je, po = schema.journal_entries, schema.postings
    query = sa.select(je).where(je.c.account_id == account_id).order_by(je.c.id)
    if first is not None:
        query = query.where(je.c.at_us >= to_us(first))
    if last is not None:
        query = query.where(je.c.at_us < to_us(last))
    entries = [dict(id=r.id, at=from_us(r.at_us), kind=r.kind, ref=r.ref, memo=r.memo, member=r.member_id, postings=[])
               for r in conn.execute(query)]
    by_id = {e["id"]: e for e in entries}
    ids = list(by_id)
    for start in range(0, len(ids), 5000):
        for r in conn.execute(sa.select(po).where(po.c.entry_id.in_(ids[start:start + 5000])).order_by(po.c.id)):
            by_id[r.entry_id]["postings"].append((r.ledger_account, from_fen(r.amount_fen)))
    return entries
