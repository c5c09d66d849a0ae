"""Issue 27: the defects a hostile tester found, each reproduced first."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from packbill.services import trail
from packbill.storage import schema as t

from .conftest import OPERATOR

JSON = {"content-type": "application/json"}


def audit_rows(ctx, action: str) -> list:
    with ctx.db.read() as conn:
        return list(conn.execute(sa.select(t.audit_records.c.outcome, t.audit_records.c.target)
                                 .where(t.audit_records.c.action == action).order_by(t.audit_records.c.id)))


def raw(payload: str) -> bytes:
    return payload.encode()


def test_a_lone_surrogate_anywhere_in_a_body_is_refused_and_nothing_moves(api, ctx):
    acc = api.new_account()
    op = api.as_(OPERATOR)
    body = raw('{"amount": "10.00", "reason": "goodwill", "note": "\\ud83d"}')
    for _ in range(3):
        r = op.post(f"/v1/accounts/{acc['id']}/adjustments", content=body, headers=JSON)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", r.text
        assert "body.note" in r.json()["error"]["message"]
    assert op.get(f"/v1/accounts/{acc['id']}/wallet").json()["balance"] == "0.00"
    # each refusal is in the trail, and no adjustment is
    assert [r.outcome for r in audit_rows(ctx, "adjustment.create")] == ["invalid_request"] * 3


@pytest.mark.parametrize("path, payload", [
    ("/v1/accounts", '{"name": "Acme \\ud800", "site": "cn"}'),
    ("/v1/accounts", '{"name": "Acme \\u0000", "site": "cn"}'),
    ("/v1/accounts/{id}/topups", '{"amount": "5.00", "reference": "bank-\\udfff"}'),
    ("/v1/accounts/{id}/usage", '{"events": [{"event_id": "e-\\ud83d", "service": "ai.face", "quantity": 1, '
                                '"region": "ap-beijing", "timestamp": "2027-06-01T10:00:00+08:00"}]}'),
    ("/v1/keys", '{"name": "k\\udc00", "role": "support"}'),
    ("/v1/webhooks", '{"url": "https://example.com/\\ud83d", "events": ["package.bought"]}'),
    ("/v1/accounts/{id}/vouchers", '{"amount": "1.00", "expires_on": "2027-12-31", "\\ud83d": 1}'),
])
def test_text_no_column_can_hold_is_refused_in_every_stored_field(api, ctx, path, payload):
    acc = api.new_account()
    r = api.as_(OPERATOR).post(path.format(id=acc["id"]), content=raw(payload), headers=JSON)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", r.text
    with ctx.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.accounts)).scalar_one() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(t.usage_events)).scalar_one() == 0


def test_a_well_formed_pair_and_chinese_text_still_pass(api):
    r = api.as_(OPERATOR).post("/v1/accounts", content=raw('{"name": "\\u91d1\\u9f99 \\ud83d\\ude00", "site": "cn"}'), headers=JSON)
    assert r.status_code == 201 and r.json()["name"] == "金龙 😀"


def test_a_change_and_its_audit_record_commit_together(api, ctx, monkeypatch):
    """The record is written in the change's transaction: when it cannot be written, the change
    does not happen either (before, the top-up committed and its record was lost)."""
    acc = api.new_account()
    op = api.as_(OPERATOR)
    real = trail.insert

    def failing(conn, *args, **kw):
        if args[4] == "topup.create" and kw.get("outcome") == "ok":
            raise RuntimeError("the disk is full")
        return real(conn, *args, **kw)

    monkeypatch.setattr(trail, "insert", failing)
    r = op.post(f"/v1/accounts/{acc['id']}/topups", json={"amount": "100.00", "reference": "bank-1"})
    assert r.status_code == 500
    assert op.get(f"/v1/accounts/{acc['id']}/wallet").json()["balance"] == "0.00"
    monkeypatch.setattr(trail, "insert", real)
    r = op.post(f"/v1/accounts/{acc['id']}/topups", json={"amount": "100.00", "reference": "bank-1"})
    assert r.status_code == 201
    rows = audit_rows(ctx, "topup.create")
    assert rows[-1].outcome == "ok" and rows[-1].target == r.json()["id"]
    assert op.get(f"/v1/accounts/{acc['id']}/wallet").json()["balance"] == "100.00"


def test_a_replay_is_recorded_as_a_replay(api, ctx):
    acc = api.new_account()
    op = api.as_(OPERATOR)
    body = {"amount": "-3.00", "reason": "goodwill reversed"}
    first = op.post(f"/v1/accounts/{acc['id']}/adjustments", json=body, headers={"Idempotency-Key": "k-1"})
    again = op.post(f"/v1/accounts/{acc['id']}/adjustments", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert [r.outcome for r in audit_rows(ctx, "adjustment.create")] == ["ok", "replayed"]
    assert [r.target for r in audit_rows(ctx, "adjustment.create")] == [first.json()["id"]] * 2


@pytest.mark.parametrize("path", [
    "/v1/accounts/{id}/wallet?as_of=0001-01-01T00:00:00%2B14:00",
    "/v1/accounts/{id}?as_of=0001-01-01T00:00:00%2B14:00",
    "/v1/accounts/{id}/packages?as_of=9999-12-31T23:59:59-12:00",
    "/v1/accounts/{id}/reminders?as_of=9999-12-31T23:59:59-12:00",
    "/v1/accounts/{id}/journal?from=0001-01-01&to=9999-12-31",
    "/v1/revenue?from=9999-12-01&to=9999-12-31",
    "/v1/audit?from=9999-12-31&to=9999-12-31",
    "/v1/accounts/{id}/statements/9999-12",
    "/v1/accounts/{id}/bills?from=0001-01-01&to=0001-01-02",
    "/v1/accounts/{id}/usage?from=9999-12-30&to=9999-12-31",
])
def test_times_and_days_at_the_ends_of_the_calendar_are_refused_not_a_500(api, path):
    acc = api.new_account()
    r = api.as_(OPERATOR).get(path.format(id=acc["id"]))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", (path, r.status_code, r.text)


def test_writes_at_the_ends_of_the_calendar_are_refused_not_a_500(api):
    acc = api.new_account()
    op = api.as_(OPERATOR)
    for path, body in [(f"/v1/accounts/{acc['id']}/topups", {"amount": "1.00", "reference": "r", "at": "0001-01-01T00:00:00+14:00"}),
                       (f"/v1/accounts/{acc['id']}/vouchers", {"amount": "1.00", "expires_on": "9999-12-31"}),
                       (f"/v1/accounts/{acc['id']}/discount", {"rate": "0.9", "effective_day": "9999-12-31"}),
                       ("/v1/settlements", {"through": "0001-01-01"})]:
        r = op.put(path, json=body) if path.endswith("discount") else op.post(path, json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", (path, r.status_code, r.text)


def test_future_times_are_refused_for_money_and_settlement_and_finalise_nothing(api, ctx):
    """Issue 20: a settlement run stated in the future (or through a day that has not ended)
    finalised and numbered the current month's statements; top-ups and adjustments with a future
    ``at`` were accepted. All are refused as purchases and refunds already were."""
    acc = api.new_account()
    op = api.as_(OPERATOR)
    ahead = "2027-06-03T09:00:00+08:00"  # the clock says 2027-06-01 12:00
    for path, body in [(f"/v1/accounts/{acc['id']}/topups", {"amount": "1.00", "reference": "r-future", "at": ahead}),
                       (f"/v1/accounts/{acc['id']}/adjustments", {"amount": "1.00", "reason": "later", "at": ahead}),
                       ("/v1/settlements", {"through": "2027-06-02", "at": ahead}),
                       ("/v1/settlements", {"through": "2027-06-30", "at": "2027-07-01T09:00:00+08:00"}),
                       ("/v1/settlements", {"through": "2027-06-01"})]:
        r = op.post(path, json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", (path, body, r.text)
    assert op.get(f"/v1/accounts/{acc['id']}/wallet").json()["balance"] == "0.00"
    with ctx.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.statement_months)).scalar_one() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(t.settlement_runs)).scalar_one() == 0


def test_no_csv_written_carries_a_live_spreadsheet_formula(api, ctx):
    """Issue 20: an account name such as =HYPERLINK(...) reached every CSV as a live formula."""
    import csv
    import io

    from packbill.present.spreadsheet import cell

    assert [cell(v) for v in ("=1+1", "+cmd", "-x", "@SUM(A1)", "\tx", "-5.00", "12", "plain", 3)] == [
        "'=1+1", "'+cmd", "'-x", "'@SUM(A1)", "'\tx", "-5.00", "12", "plain", 3]
    op = api.as_(OPERATOR)
    acc = op.post("/v1/accounts", json={"name": '=HYPERLINK("http://evil.test","点我")', "site": "cn", "payment": "balance"}).json()
    op.post(f"/v1/accounts/{acc['id']}/topups", json={"amount": "10.00", "reference": "r1"})
    op.post(f"/v1/accounts/{acc['id']}/adjustments", json={"amount": "-5.00", "reason": "fee"})
    r = op.get(f"/v1/accounts/{acc['id']}/statements/2027-06", params={"format": "csv"})
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert "'=HYPERLINK(\"http://evil.test\",\"点我\")" in cells and not any(c.startswith("=") for c in cells)
    assert ["调账", "-5.00"] in rows  # numbers stay numbers (the statement CSV is in the customer's language)
