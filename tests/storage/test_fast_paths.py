"""The volume paths give exactly what the plain definitions give on the same input: the fast
validator the verdicts of ``check_event``, the one intake path the sums and bills of the
reference model, a file import what the API stores."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.domain.days import to_us
from packbill.domain.reference import ReferenceModel
from packbill.domain.usage import DayUsage, check_event, row_of
from packbill.services.validate import decode_json, rows_for_account, slow_row, to_row
from packbill.storage import schema as t

from ..conftest import FIXED_NOW
from ..helpers import d

CATALOG = load_catalog()
NOW_US = to_us(FIXED_NOW)

anything = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**16), st.floats(allow_nan=False), st.text(max_size=5))
timestamps = st.one_of(
    st.builds(lambda m, z: (FIXED_NOW - timedelta(minutes=m)).astimezone(z).isoformat(),
              st.integers(-20, 400 * 24 * 60), st.sampled_from([FIXED_NOW.tzinfo, __import__("datetime").timezone.utc])),
    st.just("2027-05-01T10:00:00"), st.just("1985-06-01T10:00:00+08:00"), st.just("2027-05-01 10:00:00Z"), st.just("nope"),
)
events = st.fixed_dictionaries(
    {
        "event_id": st.one_of(st.text(min_size=1, max_size=6), st.just(""), st.just("x" * 129)),
        "service": st.sampled_from(["ai.face", "ai.pet", "traffic.up", "traffic.down", "bandwidth.up", "ai.nope"]),
        "quantity": st.one_of(st.integers(1, 10**9), st.integers(-3, 0), st.just(10**15 + 1), st.just(True), st.just(2.0)),
        "region": st.sampled_from(["ap-beijing", "ap-hongkong", "ap-chengdu", "moon"]),
        "timestamp": timestamps,
    },
    optional={"extra": anything},
)


@settings(max_examples=600, deadline=None)
@given(st.one_of(events, st.dictionaries(st.sampled_from(["event_id", "service", "quantity", "region", "timestamp"]), anything)))
def test_fast_validation_gives_the_plain_verdict(raw):
    stamps: dict[str, int] = {}
    fast = to_row("acc", raw, NOW_US, CATALOG.regions, CATALOG, stamps)
    # the same text again, its instant now remembered from the first reading: the same verdict
    assert to_row("acc", raw, NOW_US, CATALOG.regions, CATALOG, stamps) == fast
    plain = check_event(raw, FIXED_NOW, CATALOG)
    if isinstance(plain, str):
        assert fast == plain
    else:
        assert fast == row_of("acc", plain, CATALOG)
        assert fast == slow_row("acc", raw, NOW_US, CATALOG)


@settings(max_examples=300, deadline=None)
@given(st.lists(events, max_size=12), st.lists(timestamps, min_size=1, max_size=3))
def test_a_batch_sharing_timestamps_gets_each_events_plain_verdict(raws, shared):
    """Events of one batch share a handful of timestamp texts (as metering sends them): each
    verdict is still the plain one, whichever event read the text first."""
    raws = [{**raw, "timestamp": shared[i % len(shared)]} for i, raw in enumerate(raws)]
    rows, bad = rows_for_account("acc", raws, NOW_US, CATALOG)
    reasons = dict(bad)
    kept = iter(rows)
    for i, raw in enumerate(raws):
        plain = check_event(raw, FIXED_NOW, CATALOG)
        if i in reasons:
            assert isinstance(plain, str) and reasons[i] == plain
        else:
            assert next(kept) == row_of("acc", plain, CATALOG)


@settings(max_examples=400, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
                    max_leaves=12))
def test_decoding_json_gives_what_the_standard_library_gives(value):
    """orjson decodes, the standard library decides what orjson refuses: the same values, and
    the same texts refused (NaN, integers past 64 bits, lone surrogates, a byte-order mark)."""
    text = json.dumps(value)
    for raw in (text, text.encode(), b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16")):
        try:
            expected = json.loads(raw)
        except ValueError as exc:
            with pytest.raises(type(exc)):
                decode_json(raw)
            continue
        got = decode_json(raw)
        assert json.dumps(got) == json.dumps(expected)


@pytest.mark.parametrize("raw", [r'"\ud800"', r'{"a": "\udfff"}', "[1e400]", "[NaN]", "[-Infinity]", "[" * 1500 + "]" * 1500,
                                 "1" * 40, '{"a": 1, "a": 2}', "[1, 2", "", "\x00"])
def test_decoding_json_edge_cases(raw):
    try:
        expected = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)):
            decode_json(raw)
        return
    assert repr(decode_json(raw)) == repr(expected)


valid_events = st.builds(
    lambda i, s, q, r, m: {"event_id": f"e{i}", "service": s, "quantity": q, "region": r,
                           "timestamp": (FIXED_NOW - timedelta(days=3, minutes=m)).isoformat()},
    st.integers(0, 60), st.sampled_from(["ai.face", "ai.pet", "traffic.up", "traffic.down"]), st.integers(1, 10**9),
    st.sampled_from(["ap-beijing", "ap-hongkong"]), st.integers(0, 3 * 24 * 60),
)


def snapshot(conn, account_id):
    out = {}
    for table in (t.usage_events, t.usage_daily, t.usage_windows, t.usage_dirty):
        cols = [c for c in table.c if c.name != "account_id"]
        out[table.name] = sorted(map(tuple, conn.execute(sa.select(*cols).where(table.c.account_id == account_id))), key=repr)
    return out


def same_content(batches: list[list[dict]]) -> list[list[dict]]:
    """A repeated event id carries its first content (a retry); another content is a conflict,
    tested on its own."""
    first: dict = {}
    return [[first.setdefault(raw["event_id"], raw) for raw in batch] for batch in batches]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(valid_events, min_size=1, max_size=30), min_size=1, max_size=4))
def test_intake_sums_and_bills_equal_the_reference_model(ctx, batches):
    """Batches of any size take the one intake path; its sums are the reference model's."""
    batches = same_content(batches)
    account, _ = services.create_account(ctx, "intake", "cn")
    ledger = ReferenceModel(CATALOG)
    ledger.create_account(account.id, "intake", "cn")
    services.buy(ctx, account.id, "ai.face.100k", 1, FIXED_NOW - timedelta(days=10))
    ledger.buy(account.id, "ai.face.100k", FIXED_NOW - timedelta(days=10))
    for batch in batches:
        result = services.ingest(ctx, account.id, batch)
        events = [check_event(raw, FIXED_NOW, CATALOG) for raw in batch]
        assert (result.accepted, result.duplicates) == ledger.record_usage(account.id, events)
    expected: dict = {}
    days: dict = {}
    seen: set = set()
    for batch in batches:
        for raw in batch:
            if raw["event_id"] in seen:
                continue
            seen.add(raw["event_id"])
            row = row_of(account.id, check_event(raw, FIXED_NOW, CATALOG), CATALOG)
            days.setdefault(row.day, DayUsage()).add(row)
    for day, usage in days.items():
        for service in set(usage.mainland) | set(usage.other):
            expected[(day, service)] = (usage.mainland.get(service, 0), usage.other.get(service, 0))
    services.sum_pending(ctx)  # the sums are made in batches: before it, intake left them waiting
    with ctx.db.read() as conn:
        stored = {(r.day if not isinstance(r.day, str) else d(r.day), r.service): (r.mainland, r.other)
                  for r in conn.execute(sa.select(t.usage_daily).where(t.usage_daily.c.account_id == account.id))}
    assert stored == expected
    through = (FIXED_NOW - timedelta(days=1)).date()
    services.settle(ctx, through)
    ledger.settle(through, FIXED_NOW)
    strip = lambda lines: [(ln.day, ln.service, ln.quantity, [x.quantity for x in ln.drawn], ln.payg_quantity, ln.amount) for ln in lines]  # noqa: E731
    assert strip(services.bills(ctx, account.id, d("2027-01-01"), d("2027-12-31"))) == strip(ledger.bills(account.id, d("2027-01-01"), d("2027-12-31")))


def test_file_import_equals_api_intake(ctx, tmp_path):
    import random

    rnd = random.Random(4)
    api_account, _ = services.create_account(ctx, "api", "cn")
    file_account, _ = services.create_account(ctx, "file", "cn")
    raws = [{"event_id": f"e{rnd.randint(0, 3000)}", "service": rnd.choice(["ai.face", "traffic.up", "traffic.down"]),
             "quantity": rnd.randint(1, 10**8), "region": rnd.choice(["ap-beijing", "ap-hongkong"]),
             "timestamp": (FIXED_NOW - timedelta(minutes=rnd.randint(0, 5 * 24 * 60))).isoformat()} for _ in range(20_000)]
    (raws,) = same_content([raws])  # repeats are retries, as a metering system sends them
    for start in range(0, len(raws), 10_000):
        services.ingest(ctx, api_account.id, raws[start : start + 10_000])
    path = tmp_path / "usage.jsonl"
    path.write_text("".join(json.dumps({"account_id": file_account.id, **r}) + "\n" for r in raws))
    import packbill.services.imports as imports

    old = imports.BLOCK
    imports.BLOCK = 256 * 1024  # several blocks, parsed by two processes, stored in several chunks
    try:
        result = services.import_file(ctx, path, workers=2, chunk=3_000)
    finally:
        imports.BLOCK = old
    assert result.rows == 20_000 and result.accepted + result.duplicates == 20_000
    services.sum_pending(ctx)
    with ctx.db.read() as conn:
        assert snapshot(conn, api_account.id) == snapshot(conn, file_account.id)


def test_an_event_id_no_column_can_hold_is_refused_by_both_paths_and_never_reaches_the_database(ctx):
    """Issue 27: the stream and the file import have no HTTP edge to refuse it; the validation does."""
    from packbill.services.validate import rows_for_account

    account, _ = services.create_account(ctx, "Odd ids", "cn")
    raw = {"event_id": "e-\ud83d", "service": "ai.face", "quantity": 1, "region": "ap-beijing", "timestamp": "2027-06-01T10:00:00+08:00"}
    from packbill.domain.days import to_us

    from ..conftest import FIXED_NOW

    rows, bad = rows_for_account(account.id, [raw, {**raw, "event_id": "金龙-1"}], to_us(FIXED_NOW), ctx.catalog)
    assert [r.event_id for r in rows] == ["金龙-1"] and bad == [(0, "event_id holds a character that cannot be stored (a lone UTF-16 surrogate)")]
    from packbill.services.usage import ingest_records

    result = ingest_records(ctx, [{"account_id": account.id, **raw}])
    assert result.refused and not result.accepted
