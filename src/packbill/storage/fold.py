"""The sums made in batches (issue 26): intake stores the events and appends what is new to
``usage_unsummed``; a fold moves every row there into the day sums, the five-minute window sums
and the unsettled marks, in a few set-based statements.

R14's day limits stay exact without intake reading any sum: ``usage_bounds`` keeps, per kind of
usage, what waits unsummed and the largest day total summed. A day's true total is at most their
sum; intake adds its new events to the first and, when that bound would reach a limit, folds at
once in its own transaction, where the CHECK on ``usage_daily`` decides exactly.

Lock order on PostgreSQL: the accounts (sorted), then the two ``usage_bounds`` rows in key
order, then ``usage_unsummed`` and the sums. A fold moves only the rows of accounts whose locks
it holds, so settlement (which marks what it settled under the same locks) never sees a sum
change under it. Every fold and every intake that counts what it added takes the bounds rows
first, so what a fold moves was counted (or is its caller's own, passed as ``uncounted``), and
``unsummed`` stays the exact total of what waits.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from ..domain.limits import MAX_DAY_CALLS, MAX_DAY_TOTAL
from .sql import lock_accounts

KINDS = ("bytes", "calls")
"""The kinds of usage with a day limit, in the order of ``usage_bounds``' key (its lock order)."""
LIMITS = {"bytes": MAX_DAY_TOTAL, "calls": MAX_DAY_CALLS}
TRAFFIC = "('traffic.up', 'traffic.down')"

_APPEND = (
    'INSERT INTO usage_unsummed (account_id, day, service, "window", mainland, other) '
    f'SELECT account_id, day, service, CASE WHEN service IN {TRAFFIC} THEN "window" ELSE -1 END, '
    "CASE WHEN mainland THEN quantity ELSE 0 END, CASE WHEN mainland THEN 0 ELSE quantity END FROM {source}"
)
TOTALS = f"coalesce(sum(CASE WHEN service IN {TRAFFIC} THEN quantity ELSE 0 END), 0), " \
         f"coalesce(sum(CASE WHEN service IN {TRAFFIC} THEN 0 ELSE quantity END), 0)"
"""The new events' bytes and calls, in that order (a SELECT list over usage events)."""


def append_sql(source: str) -> str:
    """The statement (or CTE body) that appends the events of ``source`` to ``usage_unsummed``."""
    return _APPEND.format(source=source)


def count_new(cur, postgres: bool, added: tuple[int, int] | None, accounts: Sequence[str]) -> None:
    """After intake appended its new events (``accounts``' rows, whose locks it holds): ``added``
    is their (bytes, calls), or None when they are too many to add up (then the bound is passed
    in any case). Folds now, exactly, when the bound of a day's total would reach its limit."""
    bounds = _lock_bounds(cur, postgres)
    if added is None or any(bounds[kind][0] + add + bounds[kind][1] > LIMITS[kind] for kind, add in zip(KINDS, added, strict=True)):
        fold(cur, postgres, accounts, bounds, uncounted=added or (0, 0))
        return
    mark = "%s" if postgres else "?"
    for kind, add in zip(KINDS, added, strict=True):
        if add:
            cur.execute(f"UPDATE usage_bounds SET unsummed = {mark} WHERE kind = {mark}", (bounds[kind][0] + add, kind))


def _lock_bounds(cur, postgres: bool) -> dict[str, tuple[int, int]]:
    cur.execute("SELECT kind, unsummed, largest FROM usage_bounds ORDER BY kind" + (" FOR UPDATE" if postgres else ""))
    return {kind: (int(unsummed), int(largest)) for kind, unsummed, largest in cur.fetchall()}


def fold(cur, postgres: bool, accounts: Sequence[str], bounds: dict[str, tuple[int, int]] | None = None,
         uncounted: tuple[int, int] = (0, 0)) -> None:
    """Move the unsummed rows into the sums: on PostgreSQL those of ``accounts``, whose locks the
    caller holds (settlement marks what it settled under the same locks, so no sum of an account
    may change under it); on SQLite every row (the one writer holds the database). ``uncounted``:
    what the caller appended and has not counted in the bounds yet. A day total past its limit
    makes the CHECK on ``usage_daily`` refuse the statement (the caller's transaction rolls back)."""
    if bounds is None:
        bounds = _lock_bounds(cur, postgres)
    if postgres:
        largest, moved = _fold_postgres(cur, list(accounts))
        unsummed = {kind: bounds[kind][0] + add - moved[kind] for kind, add in zip(KINDS, uncounted, strict=True)}
    else:
        largest, unsummed = _fold_sqlite(cur), {kind: 0 for kind in KINDS}
    mark = "%s" if postgres else "?"
    for kind in KINDS:
        cur.execute(f"UPDATE usage_bounds SET unsummed = {mark}, largest = {mark} WHERE kind = {mark}",
                    (unsummed[kind], max(bounds[kind][1], largest[kind]), kind))


def _fold_sqlite(cur) -> dict[str, int]:
    cur.execute(
        "INSERT INTO usage_daily (account_id, day, service, mainland, other, settled_mainland, settled_other) "
        "SELECT account_id, day, service, sum(mainland), sum(other), 0, 0 FROM usage_unsummed "
        "GROUP BY account_id, day, service ORDER BY account_id, day, service "
        "ON CONFLICT (account_id, day, service) DO UPDATE SET mainland = mainland + excluded.mainland, "
        "other = other + excluded.other"
    )
    cur.execute(
        'INSERT INTO usage_windows (account_id, day, service, "window", bytes) '
        'SELECT account_id, day, service, "window", sum(mainland + other) FROM usage_unsummed WHERE "window" >= 0 '
        'GROUP BY account_id, day, service, "window" ORDER BY account_id, day, service, "window" '
        'ON CONFLICT (account_id, day, service, "window") DO UPDATE SET bytes = bytes + excluded.bytes'
    )
    cur.execute("INSERT INTO usage_dirty (account_id, day) SELECT DISTINCT account_id, day FROM usage_unsummed "
                "ORDER BY account_id, day ON CONFLICT DO NOTHING")
    cur.execute(
        f"SELECT coalesce(max(CASE WHEN d.service IN {TRAFFIC} THEN d.mainland + d.other END), 0), "
        f"coalesce(max(CASE WHEN d.service IN {TRAFFIC} THEN NULL ELSE d.mainland + d.other END), 0) "
        "FROM (SELECT DISTINCT account_id, day, service FROM usage_unsummed) k "
        "JOIN usage_daily d ON d.account_id = k.account_id AND d.day = k.day AND d.service = k.service"
    )
    bytes_, calls = cur.fetchone()
    cur.execute("DELETE FROM usage_unsummed")
    return {"bytes": bytes_, "calls": calls}


def _fold_postgres(cur, accounts: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Returns the largest day total folded into and the quantity moved, per kind."""
    cur.execute(f"""WITH moved AS (
        DELETE FROM usage_unsummed WHERE account_id = ANY(%s) RETURNING account_id, day, service, "window", mainland, other
    ), sums AS (
        SELECT account_id, day, service, sum(mainland) AS m, sum(other) AS o FROM moved GROUP BY 1, 2, 3
    ), daily AS (
        INSERT INTO usage_daily (account_id, day, service, mainland, other, settled_mainland, settled_other)
        SELECT account_id, day, service, m, o, 0, 0 FROM sums ORDER BY 1, 2, 3
        ON CONFLICT (account_id, day, service) DO UPDATE
        SET mainland = usage_daily.mainland + excluded.mainland, other = usage_daily.other + excluded.other
        RETURNING service, mainland + other AS total
    ), windows AS (
        INSERT INTO usage_windows (account_id, day, service, "window", bytes)
        SELECT account_id, day, service, "window", sum(mainland + other) FROM moved WHERE "window" >= 0
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (account_id, day, service, "window") DO UPDATE SET bytes = usage_windows.bytes + excluded.bytes
    ), dirty AS (
        INSERT INTO usage_dirty (account_id, day) SELECT DISTINCT account_id, day FROM sums ORDER BY 1, 2 ON CONFLICT DO NOTHING
    )
    SELECT (SELECT coalesce(max(total), 0) FROM daily WHERE service IN {TRAFFIC}),
           (SELECT coalesce(max(total), 0) FROM daily WHERE service NOT IN {TRAFFIC}),
           (SELECT coalesce(sum(m + o), 0) FROM sums WHERE service IN {TRAFFIC}),
           (SELECT coalesce(sum(m + o), 0) FROM sums WHERE service NOT IN {TRAFFIC})""", (accounts,))
    largest_bytes, largest_calls, moved_bytes, moved_calls = cur.fetchone()
    return ({"bytes": int(largest_bytes), "calls": int(largest_calls)}, {"bytes": int(moved_bytes), "calls": int(moved_calls)})


def pending(cur) -> bool:
    """Whether anything waits to be summed (one row read, no scan)."""
    cur.execute("SELECT max(unsummed) FROM usage_bounds")
    found = cur.fetchone()[0]
    return bool(found)


def fold_all(conn: Connection) -> None:
    """In the caller's write transaction, holding no account's lock yet: fold whatever waits,
    under the locks of the accounts it belongs to (nothing to do costs one row read)."""
    postgres = conn.dialect.name == "postgresql"
    cur = conn.connection.driver_connection.cursor()
    try:
        if not pending(cur):
            return
        accounts: list[str] = []
        if postgres:
            cur.execute("SELECT DISTINCT account_id FROM usage_unsummed")
            accounts = sorted(r[0] for r in cur.fetchall())
            lock_accounts(conn, accounts)
        fold(cur, postgres, accounts)
    finally:
        cur.close()


def is_pending(conn: Connection) -> bool:
    cur = conn.connection.driver_connection.cursor()
    try:
        return pending(cur)
    finally:
        cur.close()
