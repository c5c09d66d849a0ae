"""R33 invoices (发票) over the database: titles, requests, issuing and rejecting, red-letter
reversals after refunds, and the batch export of pending requests.

Each step is one transaction under the account's lock (the one the purchases, refunds and the
month's freeze take), with its message and webhook event; an issued request records its invoice in
``invoices`` (R22), a red-letter one a negative invoice, so the invoiceable amount is always
payments less refunds, what is owed and what is invoiced net of reversals.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy.engine import Connection

from ..domain import books
from ..domain.errors import Conflict, InvalidRequest, NotFound
from ..domain.invoice import RequestStatus, Title, check_number, check_title, red_letter_needed, requestable, split_tax
from ..domain.wallet import check_amount
from ..storage import accounts as accounts_store
from ..storage import books as books_store
from ..storage import invoicing as store
from ..storage import notify as notify_store
from ..storage.invoicing import RequestRow, TitleRow
from . import idempotency
from .context import Context
from .idempotency import IdempotencyKey

BLUE, RED = "blue", "red"


def _id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:20]


def titles(ctx: Context, account_id: str) -> list[TitleRow]:
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        return store.titles(conn, account_id)


def add_title(ctx: Context, account_id: str, fields: dict) -> TitleRow:
    """A new title; refused whole (``invalid_request`` naming the field) when a field is wrong."""
    title: Title = check_title(fields.get("type"), fields.get("name"), fields.get("tax_id"), fields.get("address"), fields.get("phone"),
                               fields.get("bank"), fields.get("bank_account"))
    title_id = _id("tit_")
    with ctx.db.write() as conn:
        accounts_store.get_account(conn, account_id, lock=True)
        store.insert_title(conn, account_id, title_id, title, ctx.now())
        return store.get_title(conn, account_id, title_id)


def delete_title(ctx: Context, account_id: str, title_id: str) -> None:
    """Remove a title from the list (the requests that name it keep it)."""
    with ctx.db.write() as conn:
        accounts_store.get_account(conn, account_id, lock=True)
        store.delete_title(conn, account_id, title_id, ctx.now())


def titles_of(ctx: Context, found: list[RequestRow]) -> dict[str, Title]:
    """The titles the requests name (deleted ones included), by id."""
    out: dict[str, Title] = {}
    with ctx.db.read() as conn:
        for account_id in sorted({r.account_id for r in found}):
            out.update({t.id: t.title for t in store.titles(conn, account_id, with_deleted=True)})
    return out


def standing(conn: Connection, account_id: str, at: datetime) -> tuple[Decimal, Decimal, Decimal]:
    """An account's invoices at the moment ``at``, from one reading of its journal: (what is
    invoiceable, what was invoiced net of reversals, what R22 allows invoiced in all: payments less
    refunds and what is owed)."""
    purchases, payg, refunded, invoiced, balance = books_store.invoiceable_figures(conn, [account_id], at)[account_id]
    return (books.invoiceable(purchases, payg, refunded, invoiced, balance), invoiced,
            books.invoiceable(purchases, payg, refunded, Decimal(0), balance))


def _event(kind: str, r: RequestRow) -> tuple:
    return (r.account_id, kind, {"request_id": r.id, "kind": r.kind, "amount": str(r.split.amount), "net": str(r.split.net),
                                 "tax": str(r.split.tax), "number": r.number, "reason": r.reason, "reverses": list(r.reverses)}, None)


def request(ctx: Context, account_id: str, title_id: object, amount: Decimal, idem: IdempotencyKey | None = None) -> RequestRow:
    """R33: ask for an invoice of ``amount`` (tax included) on a title, up to what is invoiceable now
    less what pending requests ask for (else ``conflict``)."""
    amount = check_amount(amount, "amount")
    if not isinstance(title_id, str) or not title_id:
        raise InvalidRequest("'title_id' names one of the account's invoice titles")
    at = ctx.now()

    def work(conn: Connection) -> RequestRow:
        accounts_store.get_account(conn, account_id, lock=True)
        idempotency.check(conn, idem)
        try:
            store.get_title(conn, account_id, title_id)
        except NotFound:  # the request's address exists; what its body names does not: invalid, as R33's other fields
            raise InvalidRequest(f"'title_id' names one of the account's invoice titles; it has no title {title_id}",
                                 {"title_id": title_id}) from None
        invoiceable, _, _ = standing(conn, account_id, at)
        available = requestable(invoiceable, store.pending_total(conn, account_id, BLUE))
        if amount > available:
            raise Conflict(f"only {available} CNY can be invoiced now (invoiceable {invoiceable} CNY, less pending requests); "
                           f"a request of {amount} CNY is refused", {"requestable": str(available), "amount": str(amount)})
        request_id = _id("ivr_")
        store.insert_request(conn, account_id, request_id, BLUE, title_id, split_tax(amount, ctx.vat_rate), ctx.vat_rate, at)
        found = store.get_request(conn, request_id)
        notify_store.emit(conn, [_event("invoice.requested", found)], at)
        idempotency.claim(conn, idem, request_id, at)
        return found

    return idempotency.run(ctx, idem, work)


def request_by_id(ctx: Context, request_id: str, account_id: str | None = None) -> RequestRow:
    with ctx.db.read() as conn:
        found = store.get_request(conn, request_id)
    if account_id is not None and found.account_id != account_id:
        raise NotFound(f"there is no invoice request {request_id}", {"request_id": request_id})
    return found


def requests(ctx: Context, account_id: str | None = None, status: str | None = None) -> list[RequestRow]:
    try:
        wanted = RequestStatus(status) if status else None
    except ValueError:
        raise InvalidRequest(f"status is one of {', '.join(s.value for s in RequestStatus)}") from None
    with ctx.db.read() as conn:
        if account_id is not None:
            accounts_store.get_account(conn, account_id)
        return store.requests(conn, account_id, wanted)


def _pending(conn: Connection, request_id: str) -> RequestRow:
    found = store.get_request(conn, request_id)
    accounts_store.get_account(conn, found.account_id, lock=True)
    found = store.get_request(conn, request_id)  # read again under the lock
    if found.status is not RequestStatus.PENDING:
        raise Conflict(f"invoice request {request_id} is {found.status.value} already", {"status": found.status.value})
    return found


def issue(ctx: Context, request_id: str, number: object) -> RequestRow:
    """The operator issued the invoice (or the red-letter invoice) of a pending request: its 20-digit
    number is recorded as an invoice of the request's amount (below zero for red); a number already
    recorded, or a blue request above what is invoiceable now, is ``conflict``."""
    number = check_number(number)
    at = ctx.now()
    with ctx.db.write() as conn:
        found = _pending(conn, request_id)
        if books_store.find_invoice(conn, number) is not None:
            raise Conflict(f"invoice number {number} is already recorded", {"number": number})
        if found.kind == BLUE:
            invoiceable, _, _ = standing(conn, found.account_id, at)
            if found.split.amount > invoiceable:
                raise Conflict(f"only {invoiceable} CNY is invoiceable now (a refund since the request?); reject the request of "
                               f"{found.split.amount} CNY or wait", {"invoiceable": str(invoiceable)})
        books_store.insert_invoice(conn, found.account_id, number, found.split.amount, at)
        store.decide(conn, found, RequestStatus.ISSUED, at, number=number)
        done = store.get_request(conn, request_id)
        notify_store.emit(conn, [_event("invoice.issued", done)], at)
        return done


def reject(ctx: Context, request_id: str, reason: object) -> RequestRow:
    """The operator rejects a pending request, saying why (1 to 400 characters)."""
    if not isinstance(reason, str) or not 1 <= len(reason.strip()) <= 400:
        raise InvalidRequest("a rejection says why: 'reason', 1 to 400 characters")
    at = ctx.now()
    with ctx.db.write() as conn:
        found = _pending(conn, request_id)
        store.decide(conn, found, RequestStatus.REJECTED, at, reason=reason.strip())
        done = store.get_request(conn, request_id)
        notify_store.emit(conn, [_event("invoice.rejected", done)], at)
        return done


def red_letter(ctx: Context, conn: Connection, account_id: str, at: datetime) -> RequestRow | None:
    """R33, in a refund's transaction: when what was invoiced (less the red requests pending) is above
    what the payments now allow, a red-letter request for the difference, reversing the newest
    invoices that cover it, on the title of the newest blue request."""
    _, invoiced, allowed = standing(conn, account_id, at)
    needed = red_letter_needed(invoiced, allowed, -store.pending_total(conn, account_id, RED))
    if needed <= 0:
        return None
    reverses, covered = [], Decimal(0)
    for number, amount in store.issued_numbers(conn, account_id):
        if amount > 0 and covered < needed:
            reverses.append(number)
            covered += amount
    blue = [r for r in store.requests(conn, account_id) if r.kind == BLUE and r.title_id]
    request_id = _id("ivr_")
    store.insert_request(conn, account_id, request_id, RED, blue[-1].title_id if blue else None, split_tax(-needed, ctx.vat_rate),
                         ctx.vat_rate, at, tuple(reverses))
    found = store.get_request(conn, request_id)
    notify_store.emit(conn, [_event("invoice.red_requested", found)], at)
    return found
