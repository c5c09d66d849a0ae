"""The books' storage (R21, R22): expiries to close, statement figures, final statements,
invoices, the revenue postings and the audit's queries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain import journal
from ..domain.books import GroupRow, HeldPackage, LateMove, OrderRow, PaygRow, Purchases, RefundRow, ServiceSums, Statement, StatementUsage, VoucherMonth
from ..domain.days import day_start, month_end, next_month, shanghai_day
from ..domain.money import ZERO, from_fen, to_fen
from . import schema
from .packages import package_of
from .sql import day_value, final_month_rows, from_us, to_us  # noqa: F401 - final_month_rows: the books' own question

CHUNK = 2000


def _chunks(ids: Sequence[str]):
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


# -- expiries (R9, R17, R21) ---------------------------------------------------------------------

def expired_packages(conn: Connection, through: date) -> list[tuple[str, str, str, Decimal, int, int, date, str]]:
    """Packages whose last day is at most ``through`` and whose breakage was not posted:
    (account, package, service, contracted amount, size, drawn, last day, SKU)."""
    p = schema.packages
    rows = conn.execute(sa.select(p.c.account_id, p.c.id, p.c.service, p.c.price_fen, p.c.size, p.c.remaining, p.c.last_day, p.c.sku)
                        .where(p.c.last_day <= through, p.c.closed_us.is_(None), p.c.refunded_us.is_(None))
                        .order_by(p.c.account_id, p.c.id))
    return [(r.account_id, r.id, r.service, from_fen(r.price_fen), r.size, r.size - r.remaining, day_value(r.last_day), r.sku) for r in rows]


def expired_vouchers(conn: Connection, before: date) -> list[tuple[str, str, Decimal, date]]:
    """Vouchers whose last day is before ``before`` and whose remainder was not forfeited:
    (account, voucher, remaining, last day)."""
    v = schema.vouchers
    rows = conn.execute(sa.select(v.c.account_id, v.c.id, v.c.remaining_fen, v.c.expires_on)
                        .where(v.c.expires_on < before, v.c.closed_us.is_(None)).order_by(v.c.account_id, v.c.id))
    return [(r.account_id, r.id, from_fen(r.remaining_fen), day_value(r.expires_on)) for r in rows]


def close_packages(conn: Connection, package_ids: Sequence[str], at: datetime) -> None:
    for part in _chunks(sorted(package_ids)):
        conn.execute(sa.update(schema.packages).where(schema.packages.c.id.in_(part), schema.packages.c.closed_us.is_(None)).values(closed_us=to_us(at)))


def close_vouchers(conn: Connection, voucher_ids: Sequence[str], at: datetime) -> None:
    """The remainder was forfeited: nothing is left on the voucher."""
    for part in _chunks(sorted(voucher_ids)):
        conn.execute(sa.update(schema.vouchers).where(schema.vouchers.c.id.in_(part), schema.vouchers.c.closed_us.is_(None))
                     .values(closed_us=to_us(at), remaining_fen=0))


# -- statements (R22) ----------------------------------------------------------------------------

def claim_month(conn: Connection, month: date, at: datetime) -> bool:
    """Mark ``month``'s statements final; False if another run already did."""
    sm = schema.statement_months
    if conn.execute(sa.select(sm.c.month).where(sm.c.month == month)).first() is not None:
        return False
    conn.execute(sa.insert(sm).values(month=month, finalised_us=to_us(at)))
    return True


def statement_accounts(conn: Connection, month: date) -> list[str]:
    """The accounts with a statement of ``month``: those created before it ended, those with lines
    on it (usage of the month reported for an account created later), and those with money moved
    by then (a top-up or purchase backfilled before the account's creation), by id."""
    a, bl, je = schema.accounts, schema.bill_lines, schema.journal_entries
    end = to_us(day_start(next_month(month)))
    with_lines = sa.exists().where(bl.c.account_id == a.c.id, bl.c.statement_month == month)
    with_money = sa.exists().where(je.c.account_id == a.c.id, je.c.at_us < end)
    return list(conn.execute(sa.select(a.c.id).where(sa.or_(a.c.created_us < end, with_lines, with_money))
                             .order_by(a.c.id)).scalars())


def first_month(conn: Connection, account_id: str) -> date | None:
    """The first month with anything on an account's statements: its creation, its first line, or
    its first movement of money (backfilled ones included)."""
    from ..domain.days import from_us, month_start, shanghai_day

    a, bl, je = schema.accounts, schema.bill_lines, schema.journal_entries
    created = conn.execute(sa.select(a.c.created_us).where(a.c.id == account_id)).scalar()
    first_line = conn.execute(sa.select(sa.func.min(bl.c.statement_month)).where(bl.c.account_id == account_id)).scalar()
    first_money = conn.execute(sa.select(sa.func.min(je.c.at_us)).where(je.c.account_id == account_id)).scalar()
    months = [month_start(shanghai_day(from_us(us))) for us in (created, first_money) if us is not None]
    if first_line is not None:
        months.append(day_value(first_line))
    return min(months) if months else None


def account_names(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[str, int]]:
    a = schema.accounts
    out = {}
    for part in _chunks(ids):
        out.update({r.id: (r.name, r.seq) for r in conn.execute(sa.select(a.c.id, a.c.name, a.c.seq).where(a.c.id.in_(part)))})
    return out


def frozen_statements(conn: Connection, account_ids: Sequence[str], month: date) -> dict[str, tuple[str, dict]]:
    s = schema.statements
    out = {}
    for part in _chunks(account_ids):
        for r in conn.execute(sa.select(s.c.account_id, s.c.number, s.c.body).where(s.c.account_id.in_(part), s.c.month == month)):
            out[r.account_id] = (r.number, json.loads(r.body))
    return out


def freeze_statements(conn: Connection, month: date, rows: Sequence[tuple[str, str, dict]], at: datetime) -> set[str]:
    """Store final statements (account, number, body); one that exists already is kept as it is.
    Returns the accounts whose statement was stored now."""
    existing = frozen_statements(conn, [a for a, _, _ in rows], month)
    new = [dict(account_id=a, month=month, number=n, body=json.dumps(b, sort_keys=True), finalised_us=to_us(at))
           for a, n, b in rows if a not in existing]
    if new:
        conn.execute(sa.insert(schema.statements), new)
    return {r["account_id"] for r in new}


def _on_statement(table: sa.Table, month: date) -> sa.ColumnElement[bool]:
    """Rows of ``table`` (journal entries, orders) on ``month``'s statement: those of the month,
    and those stated inside a month already final when they were recorded (late money)."""
    return sa.or_(table.c.statement_month == month,
                  sa.and_(table.c.statement_month.is_(None), table.c.at_us >= to_us(day_start(month)),
                          table.c.at_us < to_us(day_start(next_month(month)))))


def _before_statement(table: sa.Table, month: date) -> sa.ColumnElement[bool]:
    """Rows of ``table`` on statements before ``month``'s."""
    return sa.or_(table.c.statement_month < month,
                  sa.and_(table.c.statement_month.is_(None), table.c.at_us < to_us(day_start(month))))


def _cash_balances(conn: Connection, ids: Sequence[str], month: date) -> dict[str, Decimal]:
    """Each account's cash as its statements count it when ``month`` begins: the money moved
    before (top-ups, adjustments, purchases, refunds) less the pay-as-you-go of the lines on
    earlier statements that it paid, its members' included (a line counts on its statement,
    whenever its run charged it), so that every statement's closing balance is the next one's
    opening balance."""
    je, po, bl = schema.journal_entries, schema.postings, schema.bill_lines
    out: dict[str, Decimal] = {}
    for part in _chunks(ids):
        rows = conn.execute(sa.select(po.c.ledger_account, sa.func.sum(po.c.amount_fen))
                            .join(je, schema.entry_postings())
                            .where(po.c.ledger_account.in_([journal.cash(a) for a in part]), je.c.kind != "payg",
                                   _before_statement(je, month))
                            .group_by(po.c.ledger_account))
        out.update({acct[len(journal.CASH):]: from_fen(int(total)) for acct, total in rows})
        for a, cash in conn.execute(sa.select(bl.c.account_id, sa.func.sum(bl.c.cash_fen))
                                    .where(bl.c.account_id.in_(part), bl.c.paid_by.is_(None), bl.c.statement_month < month)
                                    .group_by(bl.c.account_id)):
            out[a] = out.get(a, ZERO) - from_fen(int(cash))
        for a, cash in conn.execute(sa.select(bl.c.paid_by, sa.func.sum(bl.c.cash_fen))  # R32: the lines it paid for its members
                                    .where(bl.c.paid_by.in_(part), bl.c.statement_month < month).group_by(bl.c.paid_by)):
            out[a] = out.get(a, ZERO) - from_fen(int(cash))
    return out


def _entry_sums(conn: Connection, ids: Sequence[str], month: date, kinds: Sequence[str], prefix: str
                ) -> dict[tuple[str, str], Decimal]:
    """(account, kind) -> sum of postings to ledger accounts starting with ``prefix`` in entries
    of ``kinds`` on ``month``'s statement."""
    je, po = schema.journal_entries, schema.postings
    out: dict[tuple[str, str], Decimal] = {}
    for part in _chunks(ids):
        rows = conn.execute(sa.select(je.c.account_id, je.c.kind, sa.func.sum(po.c.amount_fen))
                            .join(po, schema.entry_postings())
                            .where(je.c.account_id.in_(part), je.c.kind.in_(kinds), po.c.ledger_account.like(prefix + "%"),
                                   _on_statement(je, month))
                            .group_by(je.c.account_id, je.c.kind))
        out.update({(a, k): from_fen(int(v)) for a, k, v in rows})
    return out


def _late_moves(conn: Connection, ids: Sequence[str], month: date) -> list[tuple[str, str, int, int]]:
    """(account, kind, at_us, amount fen) of the money stated in earlier, final months that is on
    ``month``'s statement: top-ups, adjustments and refunds as they moved cash and vouchers,
    purchases as their contracted amount (negative)."""
    je, po, o = schema.journal_entries, schema.postings, schema.orders
    moves = [tuple(r) for r in conn.execute(
        sa.select(je.c.account_id, je.c.kind, je.c.at_us, sa.func.sum(po.c.amount_fen))
        .join(po, schema.entry_postings())
        .where(je.c.account_id.in_(ids), je.c.statement_month == month, je.c.kind.in_(("topup", "adjustment", "refund")),
               sa.or_(po.c.ledger_account.like(journal.CASH + "%"), sa.and_(je.c.kind == "refund", po.c.ledger_account.like(journal.VOUCHER + "%"))))
        .group_by(je.c.account_id, je.c.id, je.c.kind, je.c.at_us))]
    moves += [(a, "purchase", at_us, -amount) for a, at_us, amount in conn.execute(
        sa.select(o.c.account_id, o.c.at_us, o.c.amount_fen).where(o.c.account_id.in_(ids), o.c.statement_month == month))]
    return sorted(moves, key=lambda m: (m[0], m[2], m[1]))


def statement_figures(conn: Connection, ids: Sequence[str], month: date, as_of: datetime) -> dict[str, dict]:
    """Everything a statement of ``month`` shows, for each account of ``ids``: cash balances,
    money moved in the month, its lines, its packages, and the invoiceable amount as of
    ``as_of`` (the month's end for a final statement)."""
    first, end = day_start(month), day_start(next_month(month))
    opening = _cash_balances(conn, ids, month)
    closing = _cash_balances(conn, ids, next_month(month))
    cash_moves = _entry_sums(conn, ids, month, ("topup", "adjustment"), journal.CASH)
    refunds_cash = _entry_sums(conn, ids, month, ("refund",), journal.CASH)
    refunds_voucher = _entry_sums(conn, ids, month, ("refund",), journal.VOUCHER)
    figures: dict[str, dict] = {a: dict(opening=opening.get(a, ZERO), closing=closing.get(a, ZERO),
                                        topups=cash_moves.get((a, "topup"), ZERO), adjustments=cash_moves.get((a, "adjustment"), ZERO),
                                        purchases=Purchases(), sums=[], daily=[], packages=[], late=[],
                                        refunds=Purchases(ZERO, refunds_cash.get((a, "refund"), ZERO) + refunds_voucher.get((a, "refund"), ZERO),
                                                          refunds_voucher.get((a, "refund"), ZERO), refunds_cash.get((a, "refund"), ZERO)))
                                for a in ids}
    o, bl, d, p = schema.orders, schema.bill_lines, schema.draws, schema.packages
    last = month_end(month)
    for part in _chunks(ids):
        for r in conn.execute(sa.select(o.c.account_id, sa.func.sum(sa.func.coalesce(o.c.list_amount_fen, o.c.amount_fen)),
                                        sa.func.sum(o.c.amount_fen), sa.func.sum(o.c.voucher_fen), sa.func.sum(o.c.cash_fen))
                              .where(o.c.account_id.in_(part), _on_statement(o, month))
                              .group_by(o.c.account_id)):
            figures[r[0]]["purchases"] = Purchases(*(from_fen(int(v)) for v in r[1:]))
        for a, kind, at_us, amount in _late_moves(conn, part, month):
            figures[a]["late"].append(LateMove(shanghai_day(from_us(at_us)), kind, from_fen(int(amount))))
        in_month = sa.and_(bl.c.account_id.in_(part), bl.c.statement_month == month)
        drawn = {(a, svc): int(q) for a, svc, q in conn.execute(
            sa.select(bl.c.account_id, bl.c.service, sa.func.sum(d.c.quantity))
            .join(d, sa.and_(d.c.account_id == bl.c.account_id, d.c.line_id == bl.c.id)).where(in_month)
            .group_by(bl.c.account_id, bl.c.service))}
        for r in conn.execute(sa.select(bl.c.account_id, bl.c.service, sa.func.sum(bl.c.quantity), sa.func.sum(bl.c.other_quantity),
                                        sa.func.sum(bl.c.payg_quantity), sa.func.sum(sa.func.coalesce(bl.c.list_amount_fen, bl.c.amount_fen)),
                                        sa.func.sum(bl.c.amount_fen), sa.func.sum(bl.c.voucher_fen), sa.func.sum(bl.c.cash_fen),
                                        sa.func.max(bl.c.payg_quantity), sa.func.count(sa.distinct(bl.c.day)))
                              .where(in_month).group_by(bl.c.account_id, bl.c.service)):
            figures[r[0]]["sums"].append(ServiceSums(r[1], int(r[2]), int(r[3]), drawn.get((r[0], r[1]), 0), int(r[4]),
                                                     *(from_fen(int(v)) for v in r[5:9]), peak=int(r[9]), days=int(r[10])))
        _one_by_one(conn, part, month, figures)
        for a, day, supplement, amount in conn.execute(sa.select(bl.c.account_id, bl.c.day, bl.c.supplement, sa.func.sum(bl.c.amount_fen))
                                                       .where(in_month).group_by(bl.c.account_id, bl.c.day, bl.c.supplement)):
            figures[a]["daily"].append((day_value(day), bool(supplement), from_fen(int(amount))))
        used = (sa.select(sa.func.coalesce(sa.func.sum(d.c.quantity), 0)).where(d.c.package_id == p.c.id, d.c.day <= last)
                .scalar_subquery())
        for r in conn.execute(sa.select(p, used.label("used"))
                              .where(p.c.account_id.in_(part), p.c.purchased_us < to_us(end), p.c.last_day >= month,
                                     sa.or_(p.c.refunded_us.is_(None), p.c.refunded_us >= to_us(first)))
                              .order_by(p.c.account_id, p.c.purchased_us, p.c.seq)):
            figures[r.account_id]["packages"].append((package_of(r), r.size - int(r.used)))  # its status: the service decides
    for a, fig in invoiceable_figures(conn, ids, as_of).items():
        figures[a]["invoiceable"] = fig
    _invoices_of_month(conn, ids, first, min(end, as_of + timedelta(microseconds=1)), figures)
    _group_rows(conn, ids, month, figures)
    return figures


def _group_rows(conn: Connection, ids: Sequence[str], month: date, figures: dict[str, dict]) -> None:
    """R32: on each member's statement what its payer paid for it, on each payer's what it paid for
    each member: the purchases and the pay-as-you-go lines on ``month``'s statement."""
    o, bl = schema.orders, schema.bill_lines
    rows: dict[tuple[str, str, str], list[Decimal]] = {}

    def add(holder: str, other: str, role: str, at: int, voucher, cash) -> None:
        row = rows.setdefault((holder, other, role), [ZERO, ZERO, ZERO, ZERO])
        row[at] += from_fen(int(voucher))
        row[at + 1] += from_fen(int(cash))

    for part in _chunks(ids):
        for table, at, on_month in ((o, 0, _on_statement(o, month)), (bl, 2, bl.c.statement_month == month)):
            money = (sa.func.sum(table.c.voucher_fen), sa.func.sum(table.c.cash_fen))
            for a, payer, v, c in conn.execute(sa.select(table.c.account_id, table.c.paid_by, *money)
                                               .where(table.c.account_id.in_(part), table.c.paid_by.is_not(None), on_month)
                                               .group_by(table.c.account_id, table.c.paid_by)):
                add(a, payer, "payer", at, v, c)
            for payer, a, v, c in conn.execute(sa.select(table.c.paid_by, table.c.account_id, *money)
                                               .where(table.c.paid_by.in_(part), on_month).group_by(table.c.paid_by, table.c.account_id)):
                add(payer, a, "member", at, v, c)
    names = account_names(conn, sorted({other for _, other, _ in rows}))
    for a in ids:
        figures[a]["group"] = []
    for (holder, other, role), amounts in sorted(rows.items()):
        figures[holder]["group"].append(GroupRow(other, names[other][0], role, *amounts))


def _invoices_of_month(conn: Connection, ids: Sequence[str], start: datetime, end: datetime, figures: dict[str, dict]) -> None:
    """R33: the invoices and the red-letter invoices issued from ``start`` to before ``end``."""
    i = schema.invoices
    for a in ids:
        figures[a].update(invoiced=ZERO, red_letter=ZERO)
    for part in _chunks(ids):
        blue = sa.func.sum(sa.case((i.c.amount_fen > 0, i.c.amount_fen), else_=0))
        red = sa.func.sum(sa.case((i.c.amount_fen < 0, i.c.amount_fen), else_=0))
        for a, issued, reversed_ in conn.execute(sa.select(i.c.account_id, blue, red)
                                                 .where(i.c.account_id.in_(part), i.c.at_us >= to_us(start), i.c.at_us < to_us(end))
                                                 .group_by(i.c.account_id)):
            figures[a].update(invoiced=from_fen(int(issued)), red_letter=from_fen(int(reversed_)))


def _one_by_one(conn: Connection, ids: Sequence[str], month: date, figures: dict[str, dict]) -> None:
    """The purchases and refunds of ``month``'s statements one by one, and its vouchers granted
    and expired (R22), into ``figures``."""
    o, je, po, p = schema.orders, schema.journal_entries, schema.postings, schema.packages
    for a in ids:
        figures[a].update(orders=[], refund_rows=[], vouchers=VoucherMonth())
    for r in conn.execute(sa.select(o.c.account_id, o.c.at_us, o.c.sku, o.c.count, sa.func.coalesce(o.c.list_amount_fen, o.c.amount_fen),
                                    o.c.amount_fen, o.c.voucher_fen, o.c.cash_fen)
                          .where(o.c.account_id.in_(ids), _on_statement(o, month)).order_by(o.c.account_id, o.c.at_us, o.c.seq)):
        figures[r[0]]["orders"].append(OrderRow(shanghai_day(from_us(r[1])), r[2], int(r[3]), *(from_fen(int(v)) for v in r[4:])))
    paid_back = sa.func.sum(sa.case((po.c.ledger_account.like(journal.VOUCHER + "%"), po.c.amount_fen), else_=0))
    cash_back = sa.func.sum(sa.case((po.c.ledger_account.like(journal.CASH + "%"), po.c.amount_fen), else_=0))
    for a, at_us, package_id, sku, voucher_fen, cash_fen in conn.execute(
            sa.select(je.c.account_id, je.c.at_us, je.c.ref, p.c.sku, paid_back, cash_back)
            .join(po, schema.entry_postings())
            .join(p, sa.and_(p.c.account_id == sa.func.coalesce(je.c.member_id, je.c.account_id), p.c.id == je.c.ref))
            .where(je.c.account_id.in_(ids), je.c.kind == "refund", _on_statement(je, month))
            .group_by(je.c.account_id, je.c.id, je.c.at_us, je.c.ref, p.c.sku).order_by(je.c.account_id, je.c.at_us)):
        figures[a]["refund_rows"].append(RefundRow(shanghai_day(from_us(at_us)), package_id, sku, from_fen(int(voucher_fen)),
                                                   from_fen(int(cash_fen))))
    granted = _entry_sums(conn, ids, month, ("voucher",), journal.VOUCHER)
    # an expired remainder is dated by the voucher's last day (R21), or the first open month after it
    expired = dict(conn.execute(sa.select(je.c.account_id, sa.func.sum(po.c.amount_fen)).join(po, schema.entry_postings())
                                .where(je.c.account_id.in_(ids), je.c.kind == "voucher_expiry", po.c.ledger_account.like(journal.VOUCHER + "%"),
                                       je.c.book_day >= month, je.c.book_day <= month_end(month))
                                .group_by(je.c.account_id)).all())
    for a in ids:
        figures[a]["vouchers"] = VoucherMonth(granted.get((a, "voucher"), ZERO), -from_fen(int(expired.get(a, 0))))


def invoiceable_figures(conn: Connection, ids: Sequence[str], as_of: datetime
                        ) -> dict[str, tuple[Decimal, Decimal, Decimal, Decimal, Decimal]]:
    """Per account as of a moment (inclusive), from the journal: (cash spent on purchases, cash
    spent on pay-as-you-go, cash refunded, invoiced, the cash balance)."""
    inv, je, po = schema.invoices, schema.journal_entries, schema.postings
    until = to_us(as_of)
    out = {a: [ZERO, ZERO, ZERO, ZERO, ZERO] for a in ids}
    column = {"purchase": 0, "payg": 1, "refund": 2}
    for part in _chunks(ids):
        for a, kind, v in conn.execute(sa.select(je.c.account_id, je.c.kind, sa.func.sum(po.c.amount_fen)).join(po, schema.entry_postings())
                                       .where(je.c.account_id.in_(part), je.c.kind.in_(list(column)),
                                              po.c.ledger_account.like(journal.CASH + "%"), je.c.at_us <= until)
                                       .group_by(je.c.account_id, je.c.kind)):
            out[a][column[kind]] = abs(from_fen(int(v)))
        for a, v in conn.execute(sa.select(inv.c.account_id, sa.func.sum(inv.c.amount_fen)).where(inv.c.account_id.in_(part), inv.c.at_us <= until)
                                 .group_by(inv.c.account_id)):
            out[a][3] = from_fen(int(v))
        for a, v in conn.execute(sa.select(po.c.account_id, sa.func.sum(po.c.amount_fen)).join(je, schema.entry_postings())
                                 .where(po.c.account_id.in_(part), po.c.ledger_account == sa.literal(journal.CASH) + po.c.account_id,
                                        je.c.at_us <= until)
                                 .group_by(po.c.account_id)):
            out[a][4] = from_fen(int(v))
    return {a: tuple(v) for a, v in out.items()}


# -- invoices (R22) -------------------------------------------------------------------------------

def insert_invoice(conn: Connection, account_id: str, number: str, amount: Decimal, at: datetime) -> int:
    return conn.execute(sa.insert(schema.invoices).values(account_id=account_id, number=number, amount_fen=to_fen(amount), at_us=to_us(at))
                        .returning(schema.invoices.c.id)).scalar_one()


def find_invoice(conn: Connection, number: str) -> tuple[int, str, Decimal, int] | None:
    i = schema.invoices
    r = conn.execute(sa.select(i.c.id, i.c.account_id, i.c.amount_fen, i.c.at_us).where(i.c.number == number)).first()
    return (r.id, r.account_id, from_fen(r.amount_fen), r.at_us) if r else None


def invoices_of(conn: Connection, account_id: str) -> list[tuple[int, str, Decimal, int]]:
    i = schema.invoices
    return [(r.id, r.number, from_fen(r.amount_fen), r.at_us)
            for r in conn.execute(sa.select(i).where(i.c.account_id == account_id).order_by(i.c.id))]


# -- revenue (R21) ----------------------------------------------------------------------------------

def latest_revenue_day(conn: Connection) -> date | None:
    """The last day any revenue, breakage or pay-as-you-go counts on (None: none yet)."""
    je, po = schema.journal_entries, schema.postings
    found = conn.execute(sa.select(sa.func.max(je.c.book_day)).join(je, schema.entry_postings())
                         .where(sa.or_(po.c.ledger_account.like(journal.REVENUE + "%"), po.c.ledger_account.like(journal.PAYG + "%"),
                                       po.c.ledger_account.like(journal.BREAKAGE + "%")))).scalar()
    return day_value(found) if found is not None else None


def revenue_postings(conn: Connection, first: date, last: date) -> tuple[Decimal, list[tuple[date, str, Decimal]]]:
    """The deferred balance when ``first`` begins, and (book day, ledger account, amount) of the
    revenue, breakage, pay-as-you-go and deferred postings counting on days ``first`` to
    ``last``, summed per day and ledger account. An entry counts on its ``book_day``; one written
    before book days were kept, on the Shanghai day of its moment."""
    je, po = schema.journal_entries, schema.postings
    start, end = to_us(day_start(first)), to_us(day_start(last + timedelta(days=1)))
    before_first = sa.or_(je.c.book_day < first, sa.and_(je.c.book_day.is_(None), je.c.at_us < start))
    before = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(po.c.amount_fen), 0)).join(je, schema.entry_postings())
                          .where(po.c.ledger_account.like(journal.DEFERRED + "%"), before_first)).scalar_one()
    kind = sa.case((po.c.ledger_account.like(journal.DEFERRED + "%"), sa.literal(journal.DEFERRED)), else_=po.c.ledger_account)
    booked = sa.or_(sa.and_(je.c.book_day >= first, je.c.book_day <= last),
                    sa.and_(je.c.book_day.is_(None), je.c.at_us >= start, je.c.at_us < end))
    rows = conn.execute(sa.select(je.c.book_day, je.c.at_us, kind, sa.func.sum(po.c.amount_fen)).join(je, schema.entry_postings())
                        .where(sa.or_(po.c.ledger_account.like(journal.DEFERRED + "%"), po.c.ledger_account.like(journal.REVENUE + "%"),
                                      po.c.ledger_account.like(journal.PAYG + "%"), po.c.ledger_account.like(journal.BREAKAGE + "%")),
                               booked)
                        .group_by(je.c.book_day, je.c.at_us, kind))
    out = [(day_value(day) if day is not None else shanghai_day(from_us(at)), acct, from_fen(int(v))) for day, at, acct, v in rows]
    return from_fen(int(before)), out


def statements_payg(conn: Connection, month: date) -> dict[str, Decimal]:
    """Per service, what the bill lines on ``month``'s statements (every account's) bill."""
    bl = schema.bill_lines
    rows = conn.execute(sa.select(bl.c.service, sa.func.sum(bl.c.amount_fen)).where(bl.c.statement_month == month).group_by(bl.c.service))
    return {service: from_fen(int(total)) for service, total in rows if total}


def first_activity(conn: Connection) -> date | None:
    """The first day anything was billed or moved: the earliest line's day or journal entry."""
    from ..domain.days import from_us, shanghai_day

    first_line = conn.execute(sa.select(sa.func.min(schema.bill_lines.c.day))).scalar()
    first_entry = conn.execute(sa.select(sa.func.min(schema.journal_entries.c.at_us))).scalar()
    days = [day_value(first_line)] if first_line is not None else []
    if first_entry is not None:
        days.append(shanghai_day(from_us(first_entry)))
    return min(days) if days else None


# -- a frozen statement's body: amounts in fen, days ISO -------------------------------------------

def statement_body(s: Statement) -> dict:
    fen = to_fen
    return {
        "account_id": s.account_id, "account_name": s.account_name, "month": s.month.isoformat(), "status": s.status,
        "number": s.number, "opening_balance": fen(s.opening_balance), "closing_balance": fen(s.closing_balance),
        "topups": fen(s.topups), "adjustments": fen(s.adjustments),
        "purchases": [fen(x) for x in (s.purchases.list_amount, s.purchases.amount, s.purchases.voucher, s.purchases.cash)],
        "refunds": [fen(x) for x in (s.refunds.list_amount, s.refunds.amount, s.refunds.voucher, s.refunds.cash)],
        "payg": [[r.service, r.quantity, fen(r.list_amount), fen(r.amount), fen(r.voucher), fen(r.cash)] for r in s.payg],
        "usage": [[u.service, u.drawn, u.payg_quantity, u.mainland, u.other] for u in s.usage],
        "packages": [[p.id, p.sku, p.service, p.size, p.remaining, p.first_day.isoformat(), p.last_day.isoformat(), p.status]
                     for p in s.packages],
        "invoiceable": fen(s.invoiceable),
        "daily": [[d.isoformat(), fen(a), fen(b)] for d, a, b in s.daily],
        "late": [[m.day.isoformat(), m.kind, fen(m.amount)] for m in s.late],
        "peaks": {r.service: [r.peak, r.days] for r in s.payg if r.peak or r.days},
        "orders": [[o.day.isoformat(), o.sku, o.count, fen(o.list_amount), fen(o.amount), fen(o.voucher), fen(o.cash)] for o in s.orders],
        "refund_rows": [[r.day.isoformat(), r.package_id, r.sku, fen(r.voucher), fen(r.cash)] for r in s.refund_rows],
        "vouchers": [fen(s.vouchers.granted), fen(s.vouchers.expired)],
        "invoices": [fen(s.invoiced), fen(s.red_letter)],
        "group": [[g.account_id, g.name, g.role, *(fen(x) for x in (g.purchases_voucher, g.purchases_cash, g.payg_voucher, g.payg_cash))]
                  for g in s.group],
    }


def statement_from_body(b: dict) -> Statement:
    money = from_fen
    return Statement(
        account_id=b["account_id"], account_name=b["account_name"], month=date.fromisoformat(b["month"]), status=b["status"],
        number=b["number"], opening_balance=money(b["opening_balance"]), closing_balance=money(b["closing_balance"]),
        topups=money(b["topups"]), adjustments=money(b["adjustments"]),
        purchases=Purchases(*(money(x) for x in b["purchases"])), refunds=Purchases(*(money(x) for x in b["refunds"])),
        payg=tuple(PaygRow(r[0], r[1], *(money(x) for x in r[2:6]), *b.get("peaks", {}).get(r[0], (0, 0))) for r in b["payg"]),
        usage=tuple(StatementUsage(*u) for u in b["usage"]),
        packages=tuple(HeldPackage(p[0], p[1], p[2], p[3], p[4], date.fromisoformat(p[5]), date.fromisoformat(p[6]), p[7])
                       for p in b["packages"]),
        invoiceable=money(b["invoiceable"]),
        daily=tuple((date.fromisoformat(d), money(a), money(x)) for d, a, x in b["daily"]),
        late=tuple(LateMove(date.fromisoformat(d), k, money(a)) for d, k, a in b.get("late", [])),
        # statements frozen before these were kept have none of them (they were never shown)
        orders=tuple(OrderRow(date.fromisoformat(o[0]), o[1], o[2], *(money(x) for x in o[3:])) for o in b.get("orders", [])),
        refund_rows=tuple(RefundRow(date.fromisoformat(r[0]), r[1], r[2], money(r[3]), money(r[4])) for r in b.get("refund_rows", [])),
        vouchers=VoucherMonth(*(money(x) for x in b.get("vouchers", [0, 0]))),
        invoiced=money(b.get("invoices", [0, 0])[0]), red_letter=money(b.get("invoices", [0, 0])[1]),
        group=tuple(GroupRow(g[0], g[1], g[2], *(money(x) for x in g[3:])) for g in b.get("group", [])),
    )
