"""The books (R21 to R23): expiries, statements, invoices and revenue over the database.

``close_expired`` and ``finalise_months`` run at the end of every settlement run (the daily job):
the first posts the breakage of packages and vouchers that can no longer pay for anything, the
second freezes the statements of every month that a run has now settled through its last day.
Both take the accounts' locks (the writers' one lock order) and can run in several processes
at once: a package or voucher is closed once, a month is claimed by one run, a statement is
frozen once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..domain import books
from ..domain.books import Statement
from ..domain.days import FIRST_DAY, LAST_DAY, check_supported, month_end, month_start, next_month, shanghai_day
from ..domain.errors import Conflict, InvalidRequest, NotFound
from ..domain.notify import dated
from ..domain.wallet import check_amount
from ..storage import accounts as accounts_store
from ..storage import books as books_store
from ..storage import notify as notify_store
from ..storage.journal import write_many
from ..storage.sql import lock_accounts
from . import idempotency
from .context import Context
from .idempotency import IdempotencyKey

CHUNK = 500


# -- the daily job --------------------------------------------------------------------------------

def close_expired(ctx: Context, through: date, run_at: datetime) -> int:
    """R9, R17, R21: post breakage for every package whose last day is settled (``through``)
    and every voucher whose last day is before the run's day. Returns the entries posted."""
    run_day = shanghai_day(run_at)
    with ctx.db.read() as conn:
        packages = books_store.expired_packages(conn, through)
        vouchers = books_store.expired_vouchers(conn, run_day)
    accounts = sorted({p[0] for p in packages} | {v[0] for v in vouchers})
    posted = 0
    for start in range(0, len(accounts), CHUNK):
        chunk = set(accounts[start : start + CHUNK])

        def work(conn: Connection, chunk: set[str] = chunk) -> int:
            lock_accounts(conn, chunk)
            # read again under the locks: another run may have closed some meanwhile
            mine_p = [p for p in books_store.expired_packages(conn, through) if p[0] in chunk]
            mine_v = [v for v in books_store.expired_vouchers(conn, run_day) if v[0] in chunk]
            final = books_store.final_month_rows(conn)
            # R21 revenue dates: breakage counts on the last day (the right lapses at its end)
            entries = [(a, replace(e, day=books.book_day(last, final))) for a, pid, service, amount, size, drawn, last, _ in mine_p
                       if (e := books.package_breakage(pid, service, amount, size, drawn)) is not None]
            entries += [(a, replace(e, day=books.book_day(last, final))) for a, vid, remaining, last in mine_v
                        if (e := books.voucher_breakage(vid, remaining)) is not None]
            write_many(conn, entries, run_at)
            notify_store.emit(conn, [(a, "package.expired", {
                "package_id": pid, "sku": sku, "service": service, "forfeited_quantity": size - drawn, "last_day": last.isoformat(),
                "forfeited_amount": str(amount - books.recognised(amount, drawn, size))}, None, dated(last, run_at))
                for a, pid, service, amount, size, drawn, last, sku in mine_p], run_at)
            books_store.close_packages(conn, [p[1] for p in mine_p], run_at)
            books_store.close_vouchers(conn, [v[1] for v in mine_v], run_at)
            return len(entries)

        posted += ctx.db.write_retrying(work)
    return posted


def finalise_months(ctx: Context, through: date, run_at: datetime) -> list[date]:
    """R22: every month whose last day is at most ``through`` and that is not final yet becomes
    final: its statements are computed, numbered and frozen. Returns the months finalised."""
    done: list[date] = []
    with ctx.db.read() as conn:
        final = books_store.final_month_rows(conn)
        first = books_store.first_activity(conn)
    if first is None:
        return done
    month = month_start(first)
    while month_end(month) <= through:
        if month not in final:
            try:
                with ctx.db.write() as conn:
                    claimed = books_store.claim_month(conn, month, run_at)
            except IntegrityError:  # another run claimed it between our check and our insert
                claimed = False
            if claimed:
                _freeze_month(ctx, month, run_at)
                done.append(month)
        month = next_month(month)
    return done


def _freeze_month(ctx: Context, month: date, run_at: datetime, only: list[str] | None = None) -> None:
    with ctx.db.read() as conn:
        accounts = books_store.statement_accounts(conn, month)
    if only is not None:
        accounts = [a for a in accounts if a in only]
    for start in range(0, len(accounts), CHUNK):
        chunk = accounts[start : start + CHUNK]

        def work(conn: Connection, chunk: list[str] = chunk) -> None:
            lock_accounts(conn, chunk)
            statements = _compute(conn, chunk, month, run_at, final=True)  # invoiceable as of the freeze: the month's charges included
            new = books_store.freeze_statements(conn, month, [(s.account_id, s.number or "", books_store.statement_body(s)) for s in statements],
                                                run_at)
            notify_store.emit(conn, [(s.account_id, "statement.final", {
                "month": f"{month:%Y-%m}", "number": s.number, "closing_balance": str(s.closing_balance),
                "invoiceable": str(s.invoiceable)}, None) for s in statements if s.account_id in new], run_at)

        ctx.db.write_retrying(work)


def _compute(conn, ids: list[str], month: date, as_of: datetime, *, final: bool) -> list[Statement]:
    names = books_store.account_names(conn, ids)
    figures = books_store.statement_figures(conn, ids, month, as_of)
    switches = accounts_store.switches_of(conn, ids)
    out = []
    for a in ids:
        f = figures[a]
        payg, usage, daily = books.statement_lines(f["sums"], f["daily"])
        name, seq = names[a]
        out.append(Statement(
            account_id=a, account_name=name, month=month, status="final" if final else "provisional",
            number=books.statement_number(month, seq) if final else None,
            opening_balance=f["opening"], closing_balance=f["closing"], topups=f["topups"], adjustments=f["adjustments"],
            purchases=f["purchases"], refunds=f["refunds"], payg=payg, usage=usage,
            packages=tuple(books.held_package(p, left, month, switches.get(a, [])) for p, left in f["packages"]),
            invoiceable=books.invoiceable(*f["invoiceable"]), daily=daily, late=tuple(f["late"]),
            orders=tuple(f["orders"]), refund_rows=tuple(f["refund_rows"]), vouchers=f["vouchers"], invoiced=f["invoiced"],
            red_letter=f["red_letter"], group=tuple(f["group"])))
    return out


# -- statements -----------------------------------------------------------------------------------

MONTH_PATTERN = "^(20|21)[0-9]{2}-(0[1-9]|1[0-2])$"
"""A month packbill supports, written YYYY-MM (2000-01 to 2199-12): the API's document says the same."""


def parse_month(text: str) -> date:
    try:
        if not re.fullmatch(MONTH_PATTERN, text, re.ASCII):
            raise ValueError
        year, month = text.split("-")
        return check_supported(date(int(year), int(month), 1))
    except ValueError:
        raise InvalidRequest(f"{text!r} is not a month packbill supports; write it as YYYY-MM, for example 2026-09 "
                             f"({FIRST_DAY:%Y-%m} to {LAST_DAY:%Y-%m})") from None


def statement_months(ctx: Context, account_id: str, limit: int = 36) -> list[date]:
    """The months an account has statements for, newest first (at most ``limit``)."""
    this = month_start(shanghai_day(ctx.now()))
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        first = books_store.first_month(conn, account_id) or this
    months: list[date] = []
    month = this
    while month >= first and len(months) < limit:
        months.append(month)
        month = month_start(month - timedelta(days=1))
    return months


def statement(ctx: Context, account_id: str, month: date) -> Statement:
    """R22: the account's statement of ``month``: the frozen one once the month is final,
    otherwise provisional, as of now (a month that has not begun has no statement)."""
    now = ctx.now()
    if month > month_start(shanghai_day(now)):
        raise NotFound(f"{month:%Y-%m} has not begun yet; there is no statement for it")
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        final = month in books_store.final_month_rows(conn)
        frozen = books_store.frozen_statements(conn, [account_id], month) if final else {}
    if account_id in frozen:
        return books_store.statement_from_body(frozen[account_id][1])
    if final:  # a run that finalised the month stopped before this account: freeze it now
        _freeze_month(ctx, month, now, only=[account_id])
        with ctx.db.read() as conn:
            found = books_store.frozen_statements(conn, [account_id], month)
        if account_id in found:
            return books_store.statement_from_body(found[account_id][1])
        raise NotFound(f"account {account_id} did not exist in {month:%Y-%m}")
    with ctx.db.read() as conn:
        return _compute(conn, [account_id], month, now, final=False)[0]  # the invoiceable amount of now


# -- invoices -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Invoice:
    id: int
    number: str
    amount: Decimal
    at: datetime
    invoiceable: Decimal
    """What is still invoiceable after it."""


def invoiceable_now(ctx: Context, account_id: str) -> Decimal:
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        return books.invoiceable(*books_store.invoiceable_figures(conn, [account_id], ctx.now())[account_id])


def record_invoice(ctx: Context, account_id: str, amount: Decimal, number: str, idem: IdempotencyKey | None = None) -> Invoice:
    """R22: record an invoice the operator issued; refused (``conflict``) above what is invoiceable."""
    amount = check_amount(amount, "amount")
    number = (number or "").strip()
    if not number or len(number) > 64:
        raise InvalidRequest("an invoice needs its number (1 to 64 characters)")
    at = ctx.now()

    def work(conn) -> Invoice:
        accounts_store.get_account(conn, account_id, lock=True)
        idempotency.check(conn, idem)
        existing = books_store.find_invoice(conn, number)
        if existing is not None:
            raise Conflict(f"invoice number {number} is already recorded", {"number": number})
        available = books.invoiceable(*books_store.invoiceable_figures(conn, [account_id], at)[account_id])
        if amount > available:
            raise Conflict(f"only {available} CNY is invoiceable; an invoice of {amount} CNY is refused",
                           {"invoiceable": str(available), "amount": str(amount)})
        invoice_id = books_store.insert_invoice(conn, account_id, number, amount, at)
        idempotency.claim(conn, idem, str(invoice_id), at)
        return Invoice(invoice_id, number, amount, at, available - amount)

    return idempotency.run(ctx, idem, work)


def invoices(ctx: Context, account_id: str) -> list[tuple[int, str, Decimal, int]]:
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        return books_store.invoices_of(conn, account_id)


# -- revenue ----------------------------------------------------------------------------------------

MAX_REVENUE_DAYS = 1000


def month_close(ctx: Context, month: date) -> books.MonthClose:
    """R21, R22: ``month``'s statements reconciled with its revenue per service, with the deferred
    revenue at both ends (through today while the month runs). The month must have begun."""
    today = shanghai_day(ctx.now())
    if month > today:
        raise NotFound(f"{month:%Y-%m} has not begun yet; there is no close for it")
    last = min(month_end(month), today)
    with ctx.db.read() as conn:
        final = month in books_store.final_month_rows(conn)
        billed = books_store.statements_payg(conn, month)
        before, rows = books_store.revenue_postings(conn, month, last)
    return books.month_close(month, final, billed, books.revenue_days(month, last, before, rows), before)


def latest_revenue_day(ctx: Context) -> date | None:
    """The last day revenue counts on: where a revenue page with nothing in its period points to."""
    with ctx.db.read() as conn:
        return books_store.latest_revenue_day(conn)


def revenue(ctx: Context, first: date, last: date) -> list[books.RevenueDay]:
    """R21: per day of [first, last], recognised revenue, breakage and pay-as-you-go per
    service, and the deferred balance at each day's end. Revenue is dated by the usage day it
    serves (SPEC section 8): an amount of a final month counts on the first open month's first day."""
    if last < first:
        raise InvalidRequest("'to' is before 'from'")
    if (last - first).days >= MAX_REVENUE_DAYS:
        raise InvalidRequest(f"ask for at most {MAX_REVENUE_DAYS} days at once")
    with ctx.db.read() as conn:
        before, rows = books_store.revenue_postings(conn, first, last)
    return books.revenue_days(first, last, before, rows)
