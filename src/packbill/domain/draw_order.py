"""Which packages pay for a day's usage, and in what order (R1, R3, R4, R5, R6, R7, R9).

``draw_order_key`` is the one definition of the deduction order; everything that lists or
draws packages sorts with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from .model import Balance, Draw, Package, TrafficBilling
from .traffic_billing import is_frozen


def draw_order_key(package: Package) -> tuple[datetime, int]:
    """R5: purchase time, earliest first; ties by creation order."""
    return (package.purchased_at, package.seq)


def in_draw_order(packages: Iterable[Package]) -> list[Package]:
    return sorted(packages, key=draw_order_key)


def can_draw(package: Package, service: str, day: date, mode: TrafficBilling) -> bool:
    """Whether ``package`` may pay for ``service`` usage of ``day``.

    Same service, covering the day (R4, R9), not refunded (R10), and for traffic only on a
    traffic-volume day (R7: frozen on daily-peak-bandwidth days).
    """
    if package.service != service or package.refunded_at is not None or not package.covers(day):
        return False
    return not is_frozen(service, mode)


def draw(
    quantity: int,
    balances: Sequence[Balance],
    service: str,
    day: date,
    mode: TrafficBilling,
) -> tuple[list[Draw], int]:
    """Draw ``quantity`` (mainland usage) from the eligible packages in R5 order.

    Returns the draws and what is left for pay-as-you-go (R6). Takes ``min(left, needed)``
    from each package in turn; never more than a package has.
    """
    draws: list[Draw] = []
    needed = quantity
    eligible = [b for b in balances if b.remaining > 0 and can_draw(b.package, service, day, mode)]
    for balance in sorted(eligible, key=lambda b: draw_order_key(b.package)):
        if needed == 0:
            break
        take = min(balance.remaining, needed)
        draws.append(Draw(balance.package.id, take))
        needed -= take
    return draws, needed
