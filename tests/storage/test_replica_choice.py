"""Where a read goes when there is a read replica (``storage/replica.py``), without a database
server: once per request, the replica only when it has caught up, the primary after a write of
the same request and whenever the replica cannot answer. The real replica: tests/scenarios/test_read_replica.py."""

from __future__ import annotations

import sqlalchemy as sa

from packbill.storage.replica import TALLY, Replica, lsn_value


def test_lsn_positions_compare_as_numbers():
    assert lsn_value("0/3016038") == 0x3016038
    assert lsn_value("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert lsn_value("1/0") > lsn_value("0/FFFFFFFF")


def test_a_request_reads_the_replica_once_caught_up_and_the_primary_after_its_own_write():
    primary, copy = sa.create_engine("sqlite://"), sa.create_engine("sqlite://")
    replica = Replica(copy, wait=0)
    answers = iter([True, False])
    replica._caught_up = lambda _primary: next(answers)  # type: ignore[method-assign]
    assert replica.engine_for_read(primary) is primary  # outside a reporting block: always the primary
    before = TALLY.replica, TALLY.primary
    with replica.reporting():
        assert replica.engine_for_read(primary) is copy
        assert replica.engine_for_read(primary) is copy  # decided once for the request
        replica.wrote(primary)
        assert replica.engine_for_read(primary) is primary  # it reads what it wrote
    with replica.reporting():
        assert replica.engine_for_read(primary) is primary  # not caught up
    assert (TALLY.replica, TALLY.primary) == (before[0] + 1, before[1] + 1)


def test_a_replica_that_does_not_answer_leaves_the_read_to_the_primary():
    primary = sa.create_engine("sqlite://")  # has no write-ahead log position to ask for
    replica = Replica(sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none"), wait=0)
    with replica.reporting():
        assert replica.engine_for_read(primary) is primary
    assert not replica.lag(primary).reachable
