"""Defects found by an independent check of the running service, each with the test that
failed before its fix, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import multiprocessing
import random
import threading
from collections import defaultdict
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from packbill import services
from packbill.cli import app as cli
from packbill.domain.catalog import default_catalog_text, load_catalog, parse_catalog
from packbill.domain.errors import InvalidRequest, InvalidUsage
from packbill.domain.limits import MAX_DAY_CALLS, MAX_DAY_TOTAL, MAX_QUANTITY
from packbill.server import create_app
from packbill.services import Context
from packbill.services.audit import audit
from packbill.storage import schema as t
from packbill.storage import settlement as settlement_store
from packbill.storage import wallet as wallet_store
from packbill.storage.db import Database, Unavailable

from ..conftest import FIXED_NOW
from .test_concurrency import DAYS, make_events, settler

OPERATOR = "op-secret"


def event(i, service="ai.face", quantity=1, when=FIXED_NOW - timedelta(days=1), region="ap-beijing"):
    return {"event_id": f"e{i}", "service": service, "quantity": quantity, "region": region, "timestamp": when.isoformat()}


# -- one intake path, one lock order: no deadlock between large and small batches ------------------

def mixed_ingester(url: str, events: list, seed: int) -> None:
    ctx = Context(Database(url, migrate=False), load_catalog(), lambda: FIXED_NOW)
    rnd = random.Random(seed)
    order = list(events)
    rnd.shuffle(order)
    i = 0
    while i < len(order):
        size = rnd.choice([1, 2, 5, 60, 200])  # small and large batches, as the old two paths were chosen
        by_account = defaultdict(list)
        for account_id, ev in order[i : i + size]:
            by_account[account_id].append(ev)
        for account_id in sorted(by_account, reverse=bool(seed % 2)):
            services.ingest(ctx, account_id, by_account[account_id])
        i += size
    ctx.close()


def test_six_ingesters_of_mixed_batch_sizes_and_a_settler_never_fail(db_url):
    ctx = Context(Database(db_url), load_catalog(), lambda: FIXED_NOW)
    account_ids = [services.create_account(ctx, f"A{n}", "cn")[0].id for n in range(2)]
    events = make_events(7, account_ids)
    spawn = multiprocessing.get_context("spawn")
    procs = [spawn.Process(target=mixed_ingester, args=(db_url, events, seed)) for seed in range(6)]
    procs.append(spawn.Process(target=settler, args=(db_url, 9)))
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
        assert p.exitcode == 0  # a deadlock that escaped the retries would end a process with an error
    services.settle(ctx, DAYS[-1])
    with ctx.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.usage_events)).scalar_one() == len(events)
    for account_id in account_ids:
        want = sum(ev["quantity"] for a, ev in events if a == account_id and not ev["service"].startswith("traffic"))
        got = sum(ln.quantity for ln in services.bills(ctx, account_id, DAYS[0], DAYS[-1]) if ln.service.startswith("ai."))
        assert got == want
    ctx.close()


# -- numbers beyond 64 bits ------------------------------------------------------------------------

def test_a_day_total_beyond_the_limit_is_refused_with_a_reason_and_nothing_stored(ctx):
    account, _ = services.create_account(ctx, "Huge", "cn")
    bytes_batch = [event(i, "traffic.up", 10**15) for i in range(10_000)]  # 10^19 bytes in one day
    with pytest.raises(InvalidUsage) as refused:
        services.ingest(ctx, account.id, bytes_batch)
    assert {d["reason"] for d in refused.value.details} == {"day_total_too_large"}
    plates = [event(i, "ai.plate", 10**15) for i in range(100)]  # 10^17 calls: bytes' limit, far past calls'
    with pytest.raises(InvalidUsage) as refused:
        services.ingest(ctx, account.id, plates)
    assert {d["reason"] for d in refused.value.details} == {"day_total_too_large"}
    # the limit counts what is already stored: batches that pass alone cannot pass together
    services.ingest(ctx, account.id, [event(f"a{i}", "ai.plate", 10**11) for i in range(10)])  # exactly 10^12 calls
    with pytest.raises(InvalidUsage) as refused:
        services.ingest(ctx, account.id, [event("one-more", "ai.plate", 1)])
    assert refused.value.details == [{"index": 0, "reason": "day_total_too_large"}]
    services.ingest(ctx, account.id, [event(f"b{i}", "traffic.down", 10**15) for i in range(100)])  # exactly 10^17 bytes
    with pytest.raises(InvalidUsage):
        services.ingest(ctx, account.id, [event("byte-more", "traffic.down", 1)])
    with ctx.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.usage_events)).scalar_one() == 110


@pytest.mark.unsound_books  # day sums written without their events, on purpose
def test_the_database_refuses_a_day_of_calls_past_the_limit_whatever_path_wrote_it(ctx):
    """The backstop behind intake: the day sums of calls refuse more than MAX_DAY_CALLS."""
    from packbill.domain.limits import MAX_DAY_CALLS

    account, _ = services.create_account(ctx, "Huge", "cn")
    day = (FIXED_NOW - timedelta(days=1)).date()
    with pytest.raises(Exception) as refused:
        with ctx.db.write() as conn:
            conn.execute(sa.insert(t.usage_daily).values(account_id=account.id, day=day, service="ai.face",
                                                         mainland=MAX_DAY_CALLS, other=1))
    assert "day_total" in str(refused.value)
    with ctx.db.write() as conn:  # traffic keeps its own, larger limit
        conn.execute(sa.insert(t.usage_daily).values(account_id=account.id, day=day, service="traffic.up",
                                                     mainland=MAX_DAY_CALLS, other=1))


def test_over_the_limit_through_http_is_a_422_never_a_500(ctx):
    account, token = services.create_account(ctx, "Huge", "cn")
    with TestClient(create_app(ctx, OPERATOR, console=False), raise_server_exceptions=False) as client:
        r = client.post(f"/v1/accounts/{account.id}/usage", headers={"Authorization": f"Bearer {token}"},
                        json={"events": [event(i, "traffic.down", 10**15) for i in range(10_000)]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_usage"


def test_an_account_that_cannot_be_settled_never_holds_back_the_others(ctx, monkeypatch):
    """As the tester found it: one account's settlement that the database refuses (OverflowError
    on SQLite, bigint out of range on PostgreSQL) failed the whole chunk and every later run."""
    huge, _ = services.create_account(ctx, "Huge", "cn")
    fine, _ = services.create_account(ctx, "Fine", "cn")
    services.ingest(ctx, huge.id, [event("h1", "ai.plate", 10**6)])
    services.ingest(ctx, fine.id, [event("f1", "ai.face", 10)])
    real = wallet_store.save_purses

    def overflowing(conn, purses):
        if huge.id in purses:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")
        return real(conn, purses)

    monkeypatch.setattr(wallet_store, "save_purses", overflowing)
    result = services.settle(ctx, (FIXED_NOW - timedelta(days=1)).date())
    assert [a for a, _ in result.failed] == [huge.id] and "could not be stored" in result.failed[0][1]
    assert len(services.bills(ctx, fine.id, DAYS[0], FIXED_NOW.date())) == 1
    assert services.bills(ctx, huge.id, DAYS[0], FIXED_NOW.date()) == []
    with ctx.db.read() as conn:  # its days stay unsettled, for a later run
        assert conn.execute(sa.select(t.usage_dirty.c.account_id)).scalars().all() == [huge.id]
    (run, *_) = services.runs(ctx)
    assert run.status == "finished" and run.failed == result.failed
    monkeypatch.setattr(wallet_store, "save_purses", real)  # the next run settles it
    again = services.settle(ctx, (FIXED_NOW - timedelta(days=1)).date())
    assert again.failed == [] and len(services.bills(ctx, huge.id, DAYS[0], FIXED_NOW.date())) == 1


def test_a_catalog_price_that_could_overflow_the_books_is_refused():
    text = default_catalog_text().replace('id = "ai.plate"\nname_zh = "车牌识别"\nname_en = "Licence plate recognition"\nunit = "call"\nprice = "0.1"',
                                          'id = "ai.plate"\nname_zh = "车牌识别"\nname_en = "Licence plate recognition"\nunit = "call"\nprice = "1000000"')
    with pytest.raises(ValueError) as refused:
        parse_catalog(text)
    assert "service ai.plate" in str(refused.value) and "price" in str(refused.value) and "at most 0.1" in str(refused.value)


# -- a long import beside live traffic ---------------------------------------------------------------

def test_an_import_commits_in_chunks_while_api_writes_go_on(ctx, tmp_path):
    account, _ = services.create_account(ctx, "Importer", "cn")
    other, _ = services.create_account(ctx, "Live", "cn")
    path = tmp_path / "usage.jsonl"
    with path.open("w") as f:
        for i in range(30_000):
            f.write(json.dumps({"account_id": account.id, **event(f"imp{i}", quantity=2)}) + "\n")
    chunks = []
    done = {}

    def run():
        done["result"] = services.import_file(ctx, path, workers=1, chunk=2_000,
                                              progress=lambda phase, n: chunks.append(n) if phase == "storing" else None)

    worker = threading.Thread(target=run)
    worker.start()
    posted = 0
    while worker.is_alive() and posted < 200:
        services.ingest(ctx, other.id, [event(f"live{posted}")])
        services.buy(ctx, other.id, "ai.face.100k") if posted % 50 == 0 else None
        posted += 1
    worker.join()
    assert done["result"].accepted == 30_000 and len(chunks) == 15
    again = services.import_file(ctx, path, workers=1, chunk=2_000)  # a rerun completes exactly
    assert (again.accepted, again.duplicates) == (0, 30_000)
    with ctx.db.read() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(t.usage_events).where(t.usage_events.c.account_id == other.id)).scalar_one()
    assert n == posted


def test_a_bad_row_anywhere_still_imports_nothing(ctx, tmp_path):
    account, _ = services.create_account(ctx, "Importer", "cn")
    path = tmp_path / "usage.jsonl"
    lines = [json.dumps({"account_id": account.id, **event(f"imp{i}")}) for i in range(5_000)]
    lines[4_321] = lines[4_321].replace('"ai.face"', '"ai.fase"')
    path.write_text("\n".join(lines) + "\n")
    result = services.import_file(ctx, path, workers=1, chunk=1_000)
    assert result.accepted == 0 and [b.line for b in result.bad] == [4_322]
    with ctx.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.usage_events)).scalar_one() == 0


# -- when the database fails --------------------------------------------------------------------------

def test_a_locked_database_is_a_503_with_retry_after(tmp_path):
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    ctx = Context(Database(url, busy_timeout=0.2), load_catalog(), lambda: FIXED_NOW)
    account, token = services.create_account(ctx, "A", "cn")
    blocker = sa.create_engine(url)
    with blocker.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        with TestClient(create_app(ctx, OPERATOR, console=False), raise_server_exceptions=False) as client:
            r = client.post(f"/v1/accounts/{account.id}/usage", headers={"Authorization": f"Bearer {token}"},
                            json={"events": [event(1)]})
            assert r.status_code == 503 and r.json()["error"]["code"] == "service_unavailable"
            assert int(r.headers["Retry-After"]) > 0
        conn.exec_driver_sql("ROLLBACK")
    blocker.dispose()
    assert services.ingest(ctx, account.id, [event(1)]).accepted == 1  # nothing was stored the first time
    ctx.close()


def test_sqlite_writers_of_one_process_queue_and_a_long_wait_is_unavailable(tmp_path):
    """Threads of one process take SQLite's write lock one after another (an in-process queue,
    not SQLite's sleeping poll): all of 16 concurrent ingests land, and a writer that waits
    longer than the busy timeout for another thread's write is Unavailable, storing nothing."""

    url = f"sqlite:///{tmp_path / 'queue.db'}"
    ctx = Context(Database(url, busy_timeout=0.5), load_catalog(), lambda: FIXED_NOW)
    account, _ = services.create_account(ctx, "A", "cn")
    threads = [threading.Thread(target=services.ingest, args=(ctx, account.id, [event(i)])) for i in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    with ctx.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.usage_events)).scalar_one() == 16
    held, release, failure = threading.Event(), threading.Event(), []

    def holder() -> None:
        with ctx.db.write():
            held.set()
            release.wait(10)

    th = threading.Thread(target=holder)
    th.start()
    held.wait(10)
    try:
        services.ingest(ctx, account.id, [event(99)])
    except Unavailable as exc:
        failure.append(exc)
    release.set()
    th.join()
    assert failure and "other writers" in str(failure[0])
    with ctx.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.usage_events)).scalar_one() == 16
    ctx.close()


@pytest.mark.postgres
def test_an_unreachable_database_is_a_503_and_one_sentence_in_the_cli(pg_template):
    from ..conftest import new_pg_database

    url, drop = new_pg_database(pg_template)
    ctx = Context(Database(url), load_catalog(), lambda: FIXED_NOW)
    account, token = services.create_account(ctx, "A", "cn")
    with TestClient(create_app(ctx, OPERATOR, console=False), raise_server_exceptions=False) as client:
        drop()  # the database disappears under the running service
        r = client.get(f"/v1/accounts/{account.id}/packages", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 503 and r.headers["Retry-After"]
    ctx.close()
    result = CliRunner().invoke(cli, ["accounts", "list", "--db", url])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and "database" in result.output


def test_a_mistyped_database_url_is_one_sentence():
    result = CliRunner().invoke(cli, ["accounts", "list", "--db", "sqllite:///x.db"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "sqlite:///" in result.output and len(result.output.strip().splitlines()) == 1


def test_a_database_path_that_does_not_exist_is_named_not_created(tmp_path, monkeypatch):
    """A reading or writing command on a SQLite file that is not there says so (a typo must not
    start a new, empty database); ``init`` and ``serve`` create it. Careless forms of --db get one
    sentence each."""
    monkeypatch.chdir(tmp_path)
    for args in (["accounts", "list"], ["accounts", "create", "X"], ["bills", "show", "acc_x", "--from", "2026-01-01", "--to", "2026-01-31"]):
        result = CliRunner().invoke(cli, [*args, "--db", "sqlite:///typo.db"])
        assert result.exit_code == 1 and "Traceback" not in result.output, args
        assert "there is no database at typo.db" in result.output and "packbill init" in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "typo.db").exists()
    for url in ("pb.db", "sqllite:///x.db", "postgres//nowhere"):
        result = CliRunner().invoke(cli, ["accounts", "list", "--db", url])
        assert result.exit_code == 1 and "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1, url
    made = CliRunner().invoke(cli, ["init", "--db", "sqlite:///typo.db"])
    assert made.exit_code == 0 and (tmp_path / "typo.db").exists()
    assert CliRunner().invoke(cli, ["accounts", "list", "--db", "sqlite:///typo.db"]).exit_code == 0


@pytest.mark.postgres
def test_a_postgresql_database_that_does_not_exist_is_one_sentence(pg_template):
    url = "postgresql://postgres@127.0.0.1:5432/packbill_no_such_database"
    result = CliRunner().invoke(cli, ["accounts", "list", "--db", url])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and "packbill_no_such_database" in result.output


def test_a_killed_settlement_run_is_shown_as_abandoned(ctx):
    with ctx.db.write() as conn:  # a run that started and whose process died before it finished
        settlement_store.start_run(conn, DAYS[0], FIXED_NOW - timedelta(hours=1))
    (run,) = services.runs(ctx)
    assert run.status == "abandoned" and run.run.finished_at is None
    services.settle(ctx, DAYS[0])
    newest, old = services.runs(ctx)
    assert (newest.status, old.status) == ("finished", "abandoned")
    # the abandoned run settled nothing for good: R12 counts only finished runs
    with ctx.db.read() as conn:
        assert settlement_store.settled_through(conn) == DAYS[0]


def test_a_run_whose_parent_died_is_closed_as_abandoned_with_what_its_helpers_did(ctx):
    """Issue 27: a killed run stayed 'running' forever and showed 'days 0' although a helper had
    settled chunks of it. The next run closes it as abandoned with the days its chunks settled."""
    for n in range(3):
        account, _ = services.create_account(ctx, f"A{n}", "cn")
        services.ingest(ctx, account.id, [event(f"k{n}", "ai.face", 5, FIXED_NOW - timedelta(days=2))])
    from packbill.services import settlement as settling

    through = (FIXED_NOW - timedelta(days=2)).date()
    run_id = settling.start(ctx, through, chunk=1)  # three chunks
    calls = iter([False, True])
    settling.work(ctx, run_id, stop=lambda: next(calls, True))  # a helper settles one chunk, then its parent dies
    from packbill.domain.days import to_us

    long_ago = to_us(FIXED_NOW - timedelta(hours=1))
    with ctx.db.write() as conn:  # silent for an hour
        conn.execute(sa.update(t.settlement_runs).where(t.settlement_runs.c.id == run_id)
                     .values(heartbeat_us=long_ago, started_us=long_ago))
        conn.execute(sa.update(t.settlement_chunks).where(t.settlement_chunks.c.run_id == run_id, t.settlement_chunks.c.done_us.is_not(None))
                     .values(done_us=long_ago))
    (shown,) = services.runs(ctx)
    assert shown.status == "abandoned" and shown.run.days == 1 and shown.run.finished_at is None
    result = services.settle(ctx, through)
    assert result.days == 2 and result.failed == []
    newest, old = services.runs(ctx)
    assert (newest.status, old.status) == ("finished", "abandoned")
    assert old.run.abandoned_at is not None and old.run.days == 1
    with ctx.db.read() as conn:  # closed: no worker takes its chunks again
        assert settlement_store.runs_with_work(conn) == []
        assert settlement_store.settled_through(conn) == through


# -- the account as of a past moment, and switches that would change a settled day -------------------

def test_traffic_billing_next_as_of_ignores_later_requests(ctx):
    account, _ = services.create_account(ctx, "A", "cn")
    services.switch_traffic_billing(ctx, account.id, "traffic", FIXED_NOW - timedelta(hours=2))
    before = services.account_view(ctx, account.id, FIXED_NOW - timedelta(hours=3))
    assert before.traffic_billing_next is None
    after = services.account_view(ctx, account.id, FIXED_NOW - timedelta(hours=1))
    assert after.traffic_billing_next is not None and after.traffic_billing_next[0].value == "traffic"


def test_a_switch_may_not_change_a_settled_day(ctx):
    account, _ = services.create_account(ctx, "A", "cn")
    services.ingest(ctx, account.id, [event(1, "traffic.up", 10**6, FIXED_NOW - timedelta(days=3))])
    services.settle(ctx, (FIXED_NOW - timedelta(days=2)).date())
    with pytest.raises(InvalidRequest) as refused:
        services.switch_traffic_billing(ctx, account.id, "traffic", FIXED_NOW - timedelta(days=4))
    assert refused.value.details["reason"] == "day_settled"
    other, _ = services.create_account(ctx, "B", "cn")  # settled for every account, with usage or not (R12)
    with pytest.raises(InvalidRequest):
        services.switch_traffic_billing(ctx, other.id, "traffic", FIXED_NOW - timedelta(days=3))
    services.switch_traffic_billing(ctx, other.id, "traffic", FIXED_NOW - timedelta(days=2))  # effective on an unsettled day


def test_a_503_keeps_the_keep_alive_connection_usable(tmp_path):
    import socket
    import time

    import httpx
    import uvicorn

    url = f"sqlite:///{tmp_path / 'locked.db'}"
    ctx = Context(Database(url, busy_timeout=0.2), load_catalog(), lambda: FIXED_NOW)
    account, token = services.create_account(ctx, "A", "cn")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(ctx, OPERATOR, console=False), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    blocker = sa.create_engine(url)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}) as client:
            with blocker.connect() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                r = client.post(f"/v1/accounts/{account.id}/usage", json={"events": [event(1)]})
                assert r.status_code == 503 and r.headers.get("connection") != "close" and r.headers["Retry-After"]
                conn.exec_driver_sql("ROLLBACK")
            again = client.post(f"/v1/accounts/{account.id}/usage", json={"events": [event(1)]})
            assert again.status_code == 202 and again.json()["accepted"] == 1
    finally:
        blocker.dispose()
        server.should_exit = True
        thread.join(10)
        ctx.close()


# -- nothing an account may send stops another's settlement (issue 27) ------------------------------


_SERVICES = ["ai.plate", "ai.face", "traffic.down", "traffic.up"]


def _biggest(service: str) -> int:
    return MAX_DAY_TOTAL if service.startswith("traffic.") else MAX_DAY_CALLS


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(plan=st.lists(st.tuples(st.sampled_from(_SERVICES), st.integers(1, 5), st.sampled_from(["max", "half", "one"])),
                     min_size=1, max_size=4))
def test_no_usage_an_account_may_send_stops_another_accounts_settlement(ctx, plan):
    """An account sends whatever intake accepts, up to every limit on several days and services;
    settlement goes through for it and for a bystander, and the books stay sound."""
    hog, _ = services.create_account(ctx, "Hog", "cn")
    bystander, _ = services.create_account(ctx, "Bystander", "cn")
    n = 0
    for service, days_back, size in plan:
        total = {"max": _biggest(service), "half": _biggest(service) // 2, "one": 1}[size]
        when = FIXED_NOW - timedelta(days=days_back)
        events = []
        while total > 0:
            q = min(total, MAX_QUANTITY)
            events.append(event(f"{hog.id}-{n}", service, q, when))
            total -= q
            n += 1
        try:
            services.ingest(ctx, hog.id, events)
        except InvalidUsage as exc:  # only ever for passing a day's limit with what an earlier step stored
            assert {d["reason"] for d in exc.details} == {"day_total_too_large"}
    services.ingest(ctx, bystander.id, [event(f"{bystander.id}-1", "ai.face", 10)])
    result = services.settle(ctx, (FIXED_NOW - timedelta(days=1)).date())
    assert result.failed == []
    assert len(services.bills(ctx, bystander.id, DAYS[0], FIXED_NOW.date())) == 1
    assert audit(ctx) == []
