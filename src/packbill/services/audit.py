"""``packbill audit``: every invariant of the books (R21) checked over a whole database.

Each violation names its invariant and the rows that show it. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.books import recognised
from ..domain.money import from_fen, to_fen
from ..storage import audit as audit_store
from .context import Context
from .usage import sum_pending


@dataclass(frozen=True, slots=True)
class Violation:
    check: str
    """Which invariant: entry_balances, cash, voucher, package_deferred, package_recognised,
    package_remaining, line_payment, payg_postings, usage_sums, usage_bounds, usage_settled, usage_billed, links, invoiced, group_payer."""
    message: str
    row: tuple


CHECKS = ("entry_balances", "cash", "voucher", "package_deferred", "package_recognised", "package_remaining", "line_payment",
          "payg_postings", "usage_sums", "usage_bounds", "usage_settled", "usage_billed", "links", "invoiced",
          "group_payer")


def _fen(value) -> str:
    return f"{from_fen(int(value))} CNY"


def audit(ctx: Context) -> list[Violation]:
    """All violations, in the order of CHECKS (empty: the books are sound). What waits to be
    summed is summed first: the sums are checked against every stored event (and the bounds of
    the day limits against what waits, before that)."""
    with ctx.db.read() as conn:
        bounds = [Violation("usage_bounds", f"{r[0]}: the day limits' bound counts {r[1]} waiting to be summed and a largest day of "
                            f"{r[3]}, but {r[2]} waits and the largest day is {r[4]}", r)
                  for r in audit_store.usage_bounds(conn) if r[1] is None or r[1] != r[2] or r[3] < r[4]]
    sum_pending(ctx)
    out: list[Violation] = []
    with ctx.db.read() as conn:
        postgres = conn.dialect.name == "postgresql"
        for r in audit_store.unbalanced_entries(conn):
            out.append(Violation("entry_balances", f"journal entry {r[0]} ({r[1]} {r[2]}) does not balance: its postings sum to {_fen(r[3])}", r))
        for r in audit_store.cash_mismatches(conn):
            out.append(Violation("cash", f"account {r[0]}: the balance is {_fen(r[1])} but its journal postings sum to {_fen(r[2])}", r))
        for r in audit_store.voucher_mismatches(conn):
            out.append(Violation("voucher", f"voucher {r[0]} of {r[1]}: {_fen(r[2])} remain but its postings sum to {_fen(r[3])}", r))
        for r in audit_store.package_books(conn):
            pid, account, _service, price, size, remaining, drawn, refunded, closed, bought, recog, broken, back, other = r
            deferred = bought - recog - broken - back + other
            if bought != price or other != 0:
                out.append(Violation("package_deferred", f"package {pid} of {account}: paid {_fen(price)} but {_fen(bought)} was deferred "
                                     f"at purchase and {_fen(other)} by other entries", r))
            elif deferred < 0 or ((refunded or closed) and deferred != 0):
                out.append(Violation("package_deferred", f"package {pid} of {account}: deferred {_fen(deferred)} + recognised "
                                     f"{_fen(recog)} + breakage {_fen(broken)} + refunded {_fen(back)} must be the {_fen(price)} paid, "
                                     f"with nothing left deferred once it is {'refunded' if refunded else 'closed' if closed else 'open'}", r))
            want = to_fen(recognised(from_fen(price), int(drawn), size))
            if recog != want:
                out.append(Violation("package_recognised", f"package {pid} of {account}: {drawn} of {size} drawn recognises "
                                     f"{_fen(want)}, but {_fen(recog)} was recognised", r))
            if remaining != size - drawn:
                out.append(Violation("package_remaining", f"package {pid} of {account}: {remaining} remain but its size {size} less "
                                     f"its draws {drawn} is {size - drawn}", r))
        for r in audit_store.line_payment_mismatches(conn):
            out.append(Violation("line_payment", f"bill line {r[0]} ({r[1]} {r[2]} {r[3]}): amount {_fen(r[4])} but paid "
                                 f"{_fen(r[5])} by vouchers and {_fen(r[6])} in cash", r))
        for r in (audit_store.payg_mismatches(conn) if postgres else audit_store.payg_mismatches_sqlite(conn)):
            whose = f"account {r[1]}" if r[0] == r[1] else f"account {r[1]}, paid by {r[0]},"
            out.append(Violation("payg_postings", f"{whose} its bill lines come to {_fen(r[2])} but the pay-as-you-go "
                                 f"postings for them to {_fen(r[3])}", r))
        for r in audit_store.usage_sum_mismatches(conn):
            out.append(Violation("usage_sums", f"{r[0]} {r[1]} {r[2]}: the day's sums are {r[3]} mainland + {r[4]} other but its "
                                 f"events add up to {r[5]} + {r[6]}", r))
        out += bounds
        for r in audit_store.unsettled_settled_days(conn):
            out.append(Violation("usage_settled", f"{r[0]} {r[1]} {r[2]}: the day is not waiting for settlement but only "
                                 f"{r[5]} + {r[6]} of {r[3]} + {r[4]} is settled", r))
        for r in audit_store.billed_quantity_mismatches(conn):
            out.append(Violation("usage_billed", f"{r[0]} {r[1]} {r[2]}: {r[3]} settled ({r[6]} outside mainland) but its bill "
                                 f"lines count {r[4]} ({r[5]} outside mainland)", r))
        for r in audit_store.broken_links(conn):
            out.append(Violation("links", f"{r[0]} row {r[1]} of {r[2] or '(no account)'}: its {r[3]} is not in that account", r))
        out += _invoiced(conn, ctx.now())
        out += _paid_by_payer(conn)
    return out


def _paid_by_payer(conn) -> list[Violation]:
    """R32: every charge of an account that was ever in a group (a bill line of a day, an order
    at its moment) was paid by whoever paid for the account on that day: its payer of the day,
    or itself."""
    from datetime import date

    from ..domain.days import from_us, shanghai_day
    from ..domain.group import payer_on
    from ..storage import groups as groups_store

    rows = audit_store.group_charges(conn)
    histories = groups_store.payer_changes(conn, {r[2] for r in rows})
    out = []
    for r in rows:
        kind, ref, account, when, paid_by = r
        day = date.fromisoformat(when) if kind == "line" else shanghai_day(from_us(int(when)))
        expected = payer_on(day, histories.get(account, []))
        if paid_by != expected:
            out.append(Violation("group_payer", f"{'bill line' if kind == 'line' else 'order'} {ref} of {account} on {day}: "
                                 f"paid by {paid_by or 'the account itself'}, but its payer that day was "
                                 f"{expected or 'the account itself'}", r))
    return out


def _invoiced(conn, now) -> list[Violation]:
    """R22, R33: at each moment an invoice was recorded or a refund made (and now), what each
    account's invoices added up to (red-letter ones below zero), less what red requests pending then
    would reverse, was no more than its payments less refunds and what it owed."""
    from ..domain.days import from_us
    from ..storage import invoicing as invoicing_store
    from .invoicing import RED, standing

    out = []
    for account_id in audit_store.invoiced_accounts(conn):
        for us in [*audit_store.invoice_moments(conn, account_id), None]:
            at = now if us is None else from_us(us)
            _, invoiced, allowed = standing(conn, account_id, at)
            pending_red = invoicing_store.pending_total(conn, account_id, RED, at)
            if invoiced + pending_red > allowed:
                row = (account_id, at.isoformat(), str(invoiced), str(pending_red), str(allowed))
                out.append(Violation("invoiced", f"account {account_id} at {at.isoformat()}: {invoiced} CNY invoiced ({pending_red} CNY "
                                     f"of red-letter requests pending) but its payments allowed {allowed} CNY", row))
                break
    return out
