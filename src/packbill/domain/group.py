"""Group accounts (R32, 财务托管): who pays for an account on a day. Pure, no storage, no clock.

An account may be a member of one payer. From the day after it joins, its purchases and its
pay-as-you-go are paid from the payer's wallet and vouchers, under the payer's terms, credit
limit, arrears and suspension; its packages stay its own (R3). Leaving takes effect the next
day too, and the past stays where it was paid: a change never reaches a day already settled.

Decisions written down here: a payer is not itself a member (no chains: one level, as the cloud
consoles' 财务托管 has it), and a member is no account's payer; the member keeps its own
discount rates (prices are the member's contract, the wallet is the payer's); a member's one
no-reason refund (R10) is its own, and the money goes back to the wallet that paid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from .catalog import Prices
from .days import shanghai_day
from .errors import Conflict, InvalidRequest
from .model import BillLine
from .settlement import AccountSettlement, AccountState, BandwidthBilled, UsageDay, settle_account
from .wallet import Purse


@dataclass(frozen=True, slots=True)
class PayerChange:
    """One change of an account's payer: ``payer`` None means the account pays for itself again."""

    payer: str | None
    effective_day: date
    set_at: datetime


def effective_day(at: datetime) -> date:
    """A change made at ``at`` takes effect on the next Shanghai day."""
    return shanghai_day(at) + timedelta(days=1)


def payer_on(day: date, changes: Sequence[PayerChange]) -> str | None:
    """Who pays for the account's charges of ``day``: the last change in effect by then (the
    latest made wins between changes of the same effective day), None: the account itself."""
    found: PayerChange | None = None
    for change in changes:
        if change.effective_day <= day and (found is None or (change.effective_day, change.set_at) >= (found.effective_day, found.set_at)):
            found = change
    return found.payer if found else None


def latest_payer(changes: Sequence[PayerChange]) -> str | None:
    """The payer the account will have once every change made has taken effect."""
    return payer_on(date.max, changes)


def payers_named(histories: Iterable[Sequence[PayerChange]]) -> set[str]:
    """Every payer the histories name."""
    return {c.payer for history in histories for c in history if c.payer}


def members_of(payer: str, changes: Mapping[str, Sequence[PayerChange]], day: date = date.max) -> list[tuple[str, date]]:
    """The accounts ``payer`` pays for on ``day`` (default: once every change has taken effect),
    each with the day its current membership began, in the order of that day."""
    out = []
    for account_id, history in changes.items():
        if payer_on(day, history) != payer:
            continue
        since = max((c.effective_day for c in history if c.payer == payer and c.effective_day <= day), default=None)
        if since is not None:
            out.append((account_id, since))
    return sorted(out, key=lambda m: (m[1], m[0]))


def check_change(account_id: str, payer: str | None, at: datetime, last_settled: date | None, *, payer_is_member: bool,
                 account_pays_others: bool) -> PayerChange:
    """R32's rules for setting ``account_id``'s payer at ``at``: not itself, one level only (a payer
    is no member, a member is no payer), and never into a day already settled for the account
    (the past stays where it was paid)."""
    change = PayerChange(payer, effective_day(at), at)
    if payer is not None:
        if payer == account_id:
            raise InvalidRequest("an account cannot be its own payer; send \"payer\": null to have it pay for itself")
        if payer_is_member:
            raise InvalidRequest(f"account {payer} is itself paid for by another account; a payer must pay for itself "
                                 "(one level of group accounts)")
        if account_pays_others:
            raise InvalidRequest(f"account {account_id} pays for other accounts; a payer cannot become a member "
                                 "(one level of group accounts)")
    if last_settled is not None and change.effective_day <= last_settled:
        raise Conflict(f"the change would take effect on {change.effective_day}, which is already settled for account "
                       f"{account_id} (through {last_settled}); a member's past stays where it was paid",
                       {"effective_day": change.effective_day.isoformat(), "settled_through": last_settled.isoformat()})
    return change


def stretches(days: Iterable[date], changes: Sequence[PayerChange]) -> list[tuple[str | None, list[date]]]:
    """``days`` (sorted) cut where the payer changes: (payer or None, its days), in order."""
    out: list[tuple[str | None, list[date]]] = []
    for day in sorted(days):
        payer = payer_on(day, changes)
        if out and out[-1][0] == payer:
            out[-1][1].append(day)
        else:
            out.append((payer, [day]))
    return out


# -- settling a member's days: each stretch paid from the wallet of its payer of those days ------

@dataclass(frozen=True, slots=True)
class PaidSettlement:
    """An account's settlement with who paid it (R32): the engine's result, its lines marked with
    the payer that paid each (``BillLine.paid_by``), its state's purse the account's own; the
    wallets after it (by owner: the account's own and each payer's it used); and the wallet events
    the charges raised, by the owner whose wallet raised them."""

    result: AccountSettlement
    wallets: dict[str, Purse]
    events: list[tuple[str, str]]


def settle_paid(account_id: str, days: Sequence[UsageDay], state: AccountState, changes: Sequence[PayerChange],
                wallets: Mapping[str, Purse], prices: Prices, *, run_at: datetime, settled_through: date | None) -> PaidSettlement:
    """Settle an account's unsettled days as ``settle_account`` does, each stretch of days paid from
    the wallet of whoever pays for the account on those days: its own, or its payer's (R32).
    ``wallets``: the wallets as they stand before (the account's own and its payers'; one not
    there is the state's purse for the account)."""
    own = wallets.get(account_id, state.purse)
    if not changes:  # never in a group: the account pays for itself
        result = settle_account(days, replace(state, purse=own), prices, run_at=run_at, settled_through=settled_through)
        return PaidSettlement(result, {account_id: result.state.purse}, [(account_id, kind) for kind in result.events])
    after = {account_id: own}
    parts: list[AccountSettlement] = []
    events: list[tuple[str, str]] = []
    current = state
    for payer, stretch in stretches([u.day for u in days], changes):
        owner = payer or account_id
        if owner not in after:
            after[owner] = wallets[owner]
        wanted = set(stretch)
        part = settle_account([u for u in days if u.day in wanted], replace(current, purse=after[owner]), prices,
                              run_at=run_at, settled_through=settled_through)
        after[owner] = part.state.purse
        events += [(owner, kind) for kind in part.events]
        if payer is not None:
            part = replace(part, lines=tuple(line._replace(paid_by=payer) for line in part.lines))
        parts.append(part)
        current = replace(part.state, purse=after[account_id])
    raised = tuple(kind for owner, kind in events if owner == account_id)
    return PaidSettlement(_joined(parts, current, raised), after, events)


def _joined(parts: Sequence[AccountSettlement], state: AccountState, events: tuple[str, ...]) -> AccountSettlement:
    """The stretches' settlements as one (the later stretch's figures win where both have one);
    ``events``: what the account's own wallet raised."""
    lines: list[BillLine] = []
    remaining: dict[str, int] = {}
    month_payg: dict[tuple[date, str], int] = {}
    billed: dict[tuple[date, str], BandwidthBilled] = {}
    for p in parts:
        lines += p.lines
        remaining.update(p.remaining)
        month_payg.update(p.month_payg)
        billed.update(p.bandwidth_billed)
    return AccountSettlement(tuple(lines), state, remaining, month_payg, billed, tuple(d for p in parts for d in p.days),
                             tuple(d for p in parts for d in p.newly_settled), events)
