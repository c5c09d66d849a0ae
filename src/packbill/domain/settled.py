"""What a settled chunk of accounts means for the books (R15, R19 to R22, R25): pure, no storage.

Settlement's engine (``settle_account``) returns each account's lines and new state; this module
turns a chunk of those results into everything else the chunk writes: the journal (charges and
revenue recognised from the packages drawn), the wallet events the charges raised, the
notifications, and the statement month of each line. ``services.settlement`` writes them, as
``services.purchases.buy`` writes what a purchase means.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .books import Recognition, book_day, recognition, statement_month
from .journal import Entry
from .model import BillLine
from .notify import wallet_event
from .settlement import AccountSettlement, AccountState, journal_of_run
from .wallet import DELAYS, Purse

Notification = tuple[str | None, str, dict[str, Any], str | None]
"""An outbox row: (account id, event type, data, once-key); a fifth element, when there, is
when the event happened (else it is dated by the moment it is written)."""


@dataclass(frozen=True, slots=True)
class ChunkBooks:
    """What a chunk of settled accounts writes besides its lines and state."""

    entries: list[tuple[str, Entry]]
    """(account id, journal entry): the run's charges and the revenue its draws recognised, one
    of each per book day (R21 revenue dates)."""
    wallet_events: list[tuple[str, str]]
    """(account id, kind): arrears, arrears lifted, low balance (R19, R20)."""
    notifications: list[Notification]
    statement_months: dict[date, date]
    """Each line's day and the statement month it belongs to (R22)."""


def run_ref(run_id: int) -> str:
    """The journal reference of a settlement run."""
    return f"run:{run_id}"


def account_entries(account_id: str, ref: str, before: AccountState, result: AccountSettlement, book_days: Mapping[date, date]
                    ) -> list[tuple[str, Entry]]:
    """R21 revenue dates: an account's entries of one run, one pay-as-you-go entry and one
    recognition entry per book day (``book_days``: each line's day and the day it counts on),
    each dated by it, each with the account whose books it is in (a payer's for the lines it paid,
    R32). A package's draws are recognised day after day, so that the days' parts add
    up to exactly what recognising the run's draws at once would post."""
    by_day: dict[date, list[BillLine]] = {}
    for line in result.lines:
        by_day.setdefault(book_days[line.day], []).append(line)
    held = before.balances
    drawn = {pid: b.package.size - b.remaining for pid, b in held.items()}
    entries: list[tuple[str, Entry]] = []
    for day in sorted(by_day):
        lines = by_day[day]
        entries += [(books, replace(e, day=day)) for books, e in journal_of_run(account_id, lines, ref)]
        taken: dict[str, int] = {}
        for line in lines:
            for d in line.drawn:
                taken[d.package_id] = taken.get(d.package_id, 0) + d.quantity
        changes = []
        for pid in sorted(taken):
            package = held[pid].package
            changes.append(Recognition(pid, package.service, package.price, package.size, drawn[pid], drawn[pid] + taken[pid]))
            drawn[pid] += taken[pid]
        entry = recognition(ref, changes)
        if entry is not None:
            entries.append((account_id, replace(entry, day=day)))
    return entries


def settled_notice(run_id: int, result: AccountSettlement) -> dict[str, Any]:
    """The ``day.settled`` notification's data: the days, how many lines, what they billed."""
    return {"run_id": run_id, "days": [d.isoformat() for d in result.days], "lines": len(result.lines),
            "amount": str(sum((line.amount for line in result.lines), Decimal(0)))}


def chunk_books(run_id: int, results: Mapping[str, AccountSettlement], before: Mapping[str, AccountState],
                run_day: date, final_months: Iterable[date], suspend_after: timedelta = DELAYS.suspend_after,
                paid: tuple[Sequence[tuple[str, str]], Mapping[str, Purse]] | None = None) -> ChunkBooks:
    """The journal, wallet events, notifications and statement months of a settled chunk.

    ``before``: each account's state before it was settled; ``run_day``: the run's day (its
    wallet events are dated by it); ``final_months``: the months whose statements are final;
    ``paid``: when payers paid some of the charges (R32), the wallet events by the owner of the
    wallet that raised them, and the wallets after the chunk by owner (else each account's
    result says both).
    """
    ref = run_ref(run_id)
    final = set(final_months)
    days = {line.day for r in results.values() for line in r.lines}
    book_days = {d: book_day(d, final) for d in days}
    entries: list[tuple[str, Entry]] = []
    events: list[tuple[str, str]] = []
    notices: list[Notification] = []
    for account_id in sorted(results):
        entries += account_entries(account_id, ref, before[account_id], results[account_id], book_days)
    raised, wallets = paid or ([(a, kind) for a in sorted(results) for kind in results[a].events],
                               {a: r.state.purse for a, r in results.items()})
    for owner, kind in raised:
        purse = wallets[owner]
        deadline = purse.arrears_since + suspend_after if purse.arrears_since is not None else None
        events.append((owner, kind))
        notices.append(wallet_event(owner, kind, run_day, purse.cash, purse.threshold, deadline))
    notices += [(a, "day.settled", settled_notice(run_id, r), None) for a, r in sorted(results.items()) if r.days]
    return ChunkBooks(entries, events, notices, {d: statement_month(d, final) for d in days})
