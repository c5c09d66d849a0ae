"""The audit's queries (R21): each invariant over the whole database, as the rows that break it.

Every function returns the offending rows (empty when the invariant holds); the service turns
them into sentences. Sums are taken by the database; what needs the rounding rule of
recognition is compared in Python by the service.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain import journal
from . import fold, schema

CHART = {"CASH": journal.CASH, "VOUCHER": journal.VOUCHER, "DEFERRED": journal.DEFERRED, "PAYG": journal.PAYG}
"""The chart of accounts' prefixes, as the queries below name them (``{CASH}`` ...)."""


def _rows(conn: Connection, sql: str, **params) -> list[tuple]:
    return [tuple(r) for r in conn.execute(sa.text(sql.format(**CHART)), params)]


def unbalanced_entries(conn: Connection) -> list[tuple]:
    """(entry id, kind, ref, sum of its postings in fen) of entries that do not sum to zero."""
    return _rows(conn, """
        SELECT e.id, e.kind, e.ref, sum(p.amount_fen) FROM journal_entries e JOIN postings p ON p.account_id = e.account_id AND p.entry_id = e.id
        GROUP BY e.id, e.kind, e.ref HAVING sum(p.amount_fen) <> 0 ORDER BY e.id""")


def cash_mismatches(conn: Connection) -> list[tuple]:
    """(account, stored cash fen, postings fen) where the balance is not its postings."""
    return _rows(conn, """
        SELECT a.id, a.cash_fen, coalesce(j.total, 0) FROM accounts a
        LEFT JOIN (SELECT ledger_account, sum(amount_fen) AS total FROM postings WHERE ledger_account LIKE '{CASH}%'
                   GROUP BY ledger_account) j ON j.ledger_account = '{CASH}' || a.id
        WHERE a.cash_fen <> coalesce(j.total, 0) ORDER BY a.id""")


def voucher_mismatches(conn: Connection) -> list[tuple]:
    """(voucher, account, stored remaining fen, postings fen)."""
    return _rows(conn, """
        SELECT v.id, v.account_id, v.remaining_fen, coalesce(j.total, 0) FROM vouchers v
        LEFT JOIN (SELECT ledger_account, sum(amount_fen) AS total FROM postings WHERE ledger_account LIKE '{VOUCHER}%'
                   GROUP BY ledger_account) j ON j.ledger_account = '{VOUCHER}' || v.id
        WHERE v.remaining_fen <> coalesce(j.total, 0) ORDER BY v.id""")


def package_books(conn: Connection) -> list[tuple]:
    """Per package: (id, account, service, price fen, size, remaining, drawn by the draws,
    refunded?, closed?, deferred posted by kind: purchase, recognition, expiry, refund, other)."""
    return _rows(conn, """
        SELECT p.id, p.account_id, p.service, p.price_fen, p.size, p.remaining, coalesce(d.drawn, 0),
               p.refunded_us IS NOT NULL, p.closed_us IS NOT NULL,
               coalesce(j.bought, 0), coalesce(j.recognised, 0), coalesce(j.broken, 0), coalesce(j.refunded, 0), coalesce(j.other, 0)
        FROM packages p
        LEFT JOIN (SELECT package_id, sum(quantity) AS drawn FROM draws GROUP BY package_id) d ON d.package_id = p.id
        LEFT JOIN (SELECT po.ledger_account AS acct,
                          sum(CASE WHEN e.kind = 'purchase' THEN po.amount_fen ELSE 0 END) AS bought,
                          sum(CASE WHEN e.kind = 'recognition' THEN -po.amount_fen ELSE 0 END) AS recognised,
                          sum(CASE WHEN e.kind = 'expiry' THEN -po.amount_fen ELSE 0 END) AS broken,
                          sum(CASE WHEN e.kind = 'refund' THEN -po.amount_fen ELSE 0 END) AS refunded,
                          sum(CASE WHEN e.kind NOT IN ('purchase', 'recognition', 'expiry', 'refund') THEN po.amount_fen ELSE 0 END) AS other
                   FROM postings po JOIN journal_entries e ON e.account_id = po.account_id AND e.id = po.entry_id
                   WHERE po.ledger_account LIKE '{DEFERRED}%' GROUP BY po.ledger_account) j ON j.acct = '{DEFERRED}' || p.id
        ORDER BY p.id""")


def line_payment_mismatches(conn: Connection) -> list[tuple]:
    """(line id, account, day, service, amount fen, voucher fen, cash fen) of lines whose payment
    parts do not add up to their amount."""
    return _rows(conn, """
        SELECT id, account_id, day, service, amount_fen, voucher_fen, cash_fen FROM bill_lines
        WHERE amount_fen > 0 AND voucher_fen + cash_fen <> amount_fen ORDER BY id""")


def payg_mismatches(conn: Connection) -> list[tuple]:
    """(wallet's account, account served, sum of the bill line amounts that wallet paid for it,
    sum of the pay-as-you-go postings in its books for it) where they differ: a payer pays its
    members' lines in its own books, each entry naming the member (R32)."""
    return _rows(conn, """
        SELECT coalesce(l.books, j.books), coalesce(l.member, j.member), coalesce(l.total, 0), coalesce(j.total, 0)
        FROM (SELECT coalesce(paid_by, account_id) AS books, account_id AS member, sum(amount_fen) AS total FROM bill_lines
              GROUP BY coalesce(paid_by, account_id), account_id) l
        FULL OUTER JOIN (SELECT e.account_id AS books, coalesce(e.member_id, e.account_id) AS member, sum(po.amount_fen) AS total
                         FROM postings po JOIN journal_entries e ON e.account_id = po.account_id AND e.id = po.entry_id
                         WHERE e.kind = 'payg' AND po.ledger_account LIKE '{PAYG}%'
                         GROUP BY e.account_id, coalesce(e.member_id, e.account_id)) j
          ON j.books = l.books AND j.member = l.member
        WHERE coalesce(l.total, 0) <> coalesce(j.total, 0) ORDER BY 1, 2""")


def payg_mismatches_sqlite(conn: Connection) -> list[tuple]:
    """The same without FULL OUTER JOIN (SQLite before 3.39)."""
    return _rows(conn, """
        WITH l AS (SELECT coalesce(paid_by, account_id) AS books, account_id AS member, sum(amount_fen) AS total FROM bill_lines
                   GROUP BY coalesce(paid_by, account_id), account_id),
             j AS (SELECT e.account_id AS books, coalesce(e.member_id, e.account_id) AS member, sum(po.amount_fen) AS total
                   FROM postings po JOIN journal_entries e ON e.account_id = po.account_id AND e.id = po.entry_id
                   WHERE e.kind = 'payg' AND po.ledger_account LIKE '{PAYG}%' GROUP BY e.account_id, coalesce(e.member_id, e.account_id)),
             k AS (SELECT books, member FROM l UNION SELECT books, member FROM j)
        SELECT k.books, k.member, coalesce(l.total, 0), coalesce(j.total, 0) FROM k
        LEFT JOIN l ON l.books = k.books AND l.member = k.member LEFT JOIN j ON j.books = k.books AND j.member = k.member
        WHERE coalesce(l.total, 0) <> coalesce(j.total, 0) ORDER BY 1, 2""")


def group_charges(conn: Connection) -> list[tuple]:
    """R32: (kind, id, account, day or moment, who paid) of every bill line with an amount and
    every order of the accounts that were ever in a group: what the audit compares with the payer
    of each one's day."""
    return _rows(conn, """
        SELECT 'line', CAST(l.id AS VARCHAR(24)), l.account_id, CAST(l.day AS VARCHAR(10)), l.paid_by FROM bill_lines l
        WHERE l.amount_fen > 0 AND EXISTS (SELECT 1 FROM account_payers g WHERE g.account_id = l.account_id)
        UNION ALL
        SELECT 'order', o.id, o.account_id, CAST(o.at_us AS VARCHAR(24)), o.paid_by FROM orders o
        WHERE EXISTS (SELECT 1 FROM account_payers g WHERE g.account_id = o.account_id)
        ORDER BY 3, 1, 2""")


def usage_sum_mismatches(conn: Connection) -> list[tuple]:
    """(account, day, service, day sum mainland, other, events mainland, other) where the day
    sums are not the sums of the stored events and the archived ones (R23)."""
    return _rows(conn, """
        WITH ev AS (SELECT account_id, day, service, sum(m) AS m, sum(o) AS o FROM (
                        SELECT account_id, day, service, CASE WHEN mainland THEN quantity ELSE 0 END AS m,
                               CASE WHEN mainland THEN 0 ELSE quantity END AS o FROM usage_events
                        UNION ALL
                        SELECT account_id, day, service, mainland, other FROM usage_archive_sums) x
                    GROUP BY account_id, day, service)
        SELECT u.account_id, u.day, u.service, u.mainland, u.other, coalesce(ev.m, 0), coalesce(ev.o, 0)
        FROM usage_daily u LEFT JOIN ev ON ev.account_id = u.account_id AND ev.day = u.day AND ev.service = u.service
        WHERE u.mainland <> coalesce(ev.m, 0) OR u.other <> coalesce(ev.o, 0)
        UNION ALL
        SELECT ev.account_id, ev.day, ev.service, 0, 0, ev.m, ev.o FROM ev
        WHERE NOT EXISTS (SELECT 1 FROM usage_daily u WHERE u.account_id = ev.account_id AND u.day = ev.day AND u.service = ev.service)
        ORDER BY 1, 2, 3""")


def usage_bounds(conn: Connection) -> list[tuple]:
    """Per kind of usage (bytes, calls): the bounds of the day limits (``storage.fold``) beside
    what they bound: (kind, unsummed, the quantity waiting to be summed, largest, the largest day
    total summed). One statement: one snapshot, whatever intake does meanwhile."""
    traffic = f"service IN {fold.TRAFFIC}"
    return _rows(conn, f"""
        SELECT k.kind, b.unsummed,
               (SELECT coalesce(sum(mainland + other), 0) FROM usage_unsummed WHERE ({traffic}) = (k.kind = 'bytes')),
               b.largest,
               (SELECT coalesce(max(mainland + other), 0) FROM usage_daily WHERE ({traffic}) = (k.kind = 'bytes'))
        FROM (SELECT 'bytes' AS kind UNION ALL SELECT 'calls') k LEFT JOIN usage_bounds b ON b.kind = k.kind ORDER BY k.kind""")


def broken_links(conn: Connection) -> list[tuple]:
    """(table, row id, account, missing parent) of rows whose parent row is not in their account:
    postings without their journal entry, draws without their bill line or package, line
    vouchers without their line (the database links only what SQLite can key the same way)."""
    return _rows(conn, """
        SELECT 'postings', p.id, p.account_id, 'journal entry ' || CAST(p.entry_id AS VARCHAR(24)) FROM postings p
        WHERE NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.account_id = p.account_id AND e.id = p.entry_id)
        UNION ALL
        SELECT 'draws', d.id, d.account_id, 'bill line ' || CAST(d.line_id AS VARCHAR(24)) FROM draws d
        WHERE NOT EXISTS (SELECT 1 FROM bill_lines l WHERE l.account_id = d.account_id AND l.id = d.line_id)
        UNION ALL
        SELECT 'line_vouchers', v.line_id, v.account_id, 'bill line ' || CAST(v.line_id AS VARCHAR(24)) FROM line_vouchers v
        WHERE NOT EXISTS (SELECT 1 FROM bill_lines l WHERE l.account_id = v.account_id AND l.id = v.line_id)
        ORDER BY 1, 2""")


def unsettled_settled_days(conn: Connection) -> list[tuple]:
    """(account, day, service, mainland, other, settled mainland, settled other) of day sums on a
    day not waiting for settlement whose usage is not all settled."""
    return _rows(conn, """
        SELECT u.account_id, u.day, u.service, u.mainland, u.other, u.settled_mainland, u.settled_other FROM usage_daily u
        WHERE (u.settled_mainland <> u.mainland OR u.settled_other <> u.other)
          AND NOT EXISTS (SELECT 1 FROM usage_dirty d WHERE d.account_id = u.account_id AND d.day = u.day)
        ORDER BY 1, 2, 3""")


def billed_quantity_mismatches(conn: Connection) -> list[tuple]:
    """(account, day, service, settled quantity, billed quantity, billed outside mainland,
    settled outside mainland) for services billed by volume on that day."""
    return _rows(conn, """
        WITH b AS (SELECT account_id, day, service, sum(quantity) AS q, sum(other_quantity) AS o FROM bill_lines
                   WHERE service NOT LIKE 'bandwidth.%' GROUP BY account_id, day, service)
        SELECT u.account_id, u.day, u.service, u.settled_mainland + u.settled_other, coalesce(b.q, 0), coalesce(b.o, 0), u.settled_other
        FROM usage_daily u LEFT JOIN b ON b.account_id = u.account_id AND b.day = u.day AND b.service = u.service
        WHERE (u.service NOT LIKE 'traffic.%' OR b.q IS NOT NULL)
          AND (u.settled_mainland + u.settled_other <> coalesce(b.q, 0) OR u.settled_other <> coalesce(b.o, 0))
        ORDER BY 1, 2, 3""")


def invoiced_accounts(conn: Connection) -> list[str]:
    """The accounts with an invoice recorded (R22, R33)."""
    i = schema.invoices
    return [a for (a,) in conn.execute(sa.select(i.c.account_id).distinct().order_by(i.c.account_id))]


def invoice_moments(conn: Connection, account_id: str) -> list[int]:
    """When an account's invoices were recorded and its refunds made (epoch microseconds, in order)."""
    i, je = schema.invoices, schema.journal_entries
    found = {us for (us,) in conn.execute(sa.select(i.c.at_us).where(i.c.account_id == account_id))}
    found |= {us for (us,) in conn.execute(sa.select(je.c.at_us).where(je.c.account_id == account_id, je.c.kind == "refund"))}
    return sorted(found)
