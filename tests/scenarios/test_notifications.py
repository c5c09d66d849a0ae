"""R25, R26 and the schedule with real processes: ``packbill serve`` delivers webhooks and raises
reminders within a minute of the usage; a dispatcher killed mid-delivery loses nothing and
sends each event under one id; two servers settle a day once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from packbill.domain.days import SHANGHAI
from tests.webhook_receiver import Receiver

from .conftest import audit_clean, console_client, start_server


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def stop(*processes) -> None:
    for p in processes:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def test_serve_raises_a_reminder_within_a_minute_of_the_usage_and_delivers_it(db_url, tmp_path):
    server = start_server(db_url, tmp_path / "server.log", sweep_seconds="1", webhook_allow="127.0.0.0/8")
    try:
        with Receiver() as receiver:
            receiver.verify_time = True  # both clocks are real here: the library's whole check, timestamp included
            op = server.client()
            hook = op.post("/v1/webhooks", json={"url": receiver.url("/ok")}).json()
            receiver.secrets["/ok"] = hook["secret"]
            acc = op.post("/v1/accounts", json={"name": "Live Co", "site": "cn"}).json()
            op.post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k"}).raise_for_status()
            op.put(f"/v1/accounts/{acc['id']}/budget", json={"monthly": "100.00"}).raise_for_status()
            op.put(f"/v1/accounts/{acc['id']}/caps/ai.pet", json={"monthly": "10.00"}).raise_for_status()
            now = datetime.now(UTC).astimezone(SHANGHAI)
            sent_at = time.monotonic()
            r = op.post(f"/v1/accounts/{acc['id']}/usage", json={"events": [
                {"event_id": "live-1", "service": "ai.face", "quantity": 85_000, "region": "ap-beijing", "timestamp": now.isoformat()},
                {"event_id": "live-2", "service": "ai.pet", "quantity": 4_000, "region": "ap-beijing", "timestamp": now.isoformat()}]})
            assert r.status_code == 202
            low = wait_for(lambda: [x for x in receiver.on("/ok") if json.loads(x["body"])["type"] == "reminder.low"], 60,
                           "the low reminder")
            assert low[0]["at"] - sent_at < 60 and low[0]["signed"]
            # R29: the service's package alert (15 % left, below the default 20 %) within a minute too
            alert = wait_for(lambda: [x for x in receiver.on("/ok") if json.loads(x["body"])["type"] == "reminder.package_low"], 60,
                             "the package alert")
            assert alert[0]["at"] - sent_at < 60
            # R30: 4,000 pet calls (10.00) reach the pet cap, and 50.00 + 10.00 pass half the 100.00 budget, within a minute
            for kind in ("service.capped", "reminder.budget"):
                found = wait_for(lambda kind=kind: [x for x in receiver.on("/ok") if json.loads(x["body"])["type"] == kind], 60, kind)
                assert found[0]["at"] - sent_at < 60
            assert op.get(f"/v1/accounts/{acc['id']}/wallet").json()["service_status"]["ai.pet"] == "capped"
            assert all(x["signed"] for x in receiver.on("/ok"))
            # live balances: the package's remaining now and the wallet's estimate count the unsettled usage
            (pkg,) = op.get(f"/v1/accounts/{acc['id']}/packages").json()["packages"]
            assert pkg["remaining"] == 100_000 and pkg["remaining_now"] == 15_000
            reminders = op.get(f"/v1/accounts/{acc['id']}/reminders").json()["reminders"]
            assert [x["kind"] for x in reminders] == ["low", "package_low", "budget"]  # the package's (R11), the service's (R29), R30's
            messages = server.client(acc["token"]).get(f"/v1/accounts/{acc['id']}/messages").json()
            assert {"reminder.low", "package.bought"} <= {m["type"] for m in messages["messages"]}
    finally:
        stop(server.process)
    audit_clean(db_url)


def test_a_dispatcher_killed_mid_delivery_loses_no_event_and_keeps_each_id(db_url, tmp_path):
    server = start_server(db_url, tmp_path / "server.log", dispatch="false", webhook_allow="127.0.0.0/8")
    env = {**os.environ, "PACKBILL_DB": db_url, "PACKBILL_DISPATCH_LEASE_SECONDS": "2", "PACKBILL_WEBHOOK_ALLOW": "127.0.0.0/8"}
    first = second = None
    try:
        with Receiver() as receiver:
            op = server.client()
            hook = op.post("/v1/webhooks", json={"url": receiver.url("/hang")}).json()
            receiver.secrets["/hang"] = hook["secret"]
            acc = op.post("/v1/accounts", json={"name": "Killed Co", "site": "cn"}).json()
            for sku in ("ai.face.100k", "ai.pet.100k", "ai.plate.100k"):
                op.post(f"/v1/accounts/{acc['id']}/packages", json={"sku": sku}).raise_for_status()
            first = subprocess.Popen([sys.executable, "-m", "packbill", "dispatch", "--db", db_url], env=env,
                                     stdout=open(tmp_path / "d1.log", "w"), stderr=subprocess.STDOUT)
            assert receiver.arrived.wait(60), (tmp_path / "d1.log").read_text()
            time.sleep(0.5)  # let the others arrive too: they all hang
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            in_flight = {x["id"] for x in receiver.on("/hang")}
            assert in_flight  # killed with deliveries on the wire
            receiver.release.set()
            second = subprocess.Popen([sys.executable, "-m", "packbill", "dispatch", "--db", db_url], env=env,
                                      stdout=open(tmp_path / "d2.log", "w"), stderr=subprocess.STDOUT)

            def all_delivered():
                log = op.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["deliveries"]
                return log if log and all(d["status"] == "delivered" for d in log) else None

            log = wait_for(all_delivered, 60, "every delivery delivered after the restart")
            assert len(log) == 3
            got = receiver.on("/hang")
            ids = {x["id"] for x in got}
            assert ids == {d["event_id"] for d in log}  # every event arrived
            for event_id in ids:  # and each under one id: repeats carry the same event, byte for byte
                bodies = {x["body"] for x in got if x["id"] == event_id}
                assert len(bodies) == 1
            assert any(sum(1 for x in got if x["id"] == i) >= 2 for i in in_flight)  # the cut ones were sent again
            assert all(x["signed"] for x in got)
    finally:
        stop(*(p for p in (first, second) if p is not None), server.process)
    audit_clean(db_url)


def test_two_servers_settle_the_scheduled_day_once(db_url, tmp_path):
    """Both servers' schedules are due at once (the time has passed today): one runs, the other skips."""
    passed = (datetime.now(UTC).astimezone(SHANGHAI) - timedelta(minutes=1)).strftime("%H:%M")
    if passed > datetime.now(UTC).astimezone(SHANGHAI).strftime("%H:%M"):
        passed = "00:00"  # just after midnight: any time today has passed
    one = start_server(db_url, tmp_path / "one.log", schedule="true", settle_at=passed)
    two = start_server(db_url, tmp_path / "two.log", schedule="true", settle_at=passed)
    try:
        op = one.client()

        def finished():
            runs = op.get("/v1/settlements").json()["runs"]
            return runs if runs and all(r["status"] == "finished" for r in runs) else None

        wait_for(finished, 60, "the scheduled settlement")
        time.sleep(2)  # the other server's loop has had its turn too
        runs = op.get("/v1/settlements").json()["runs"]
        yesterday = (datetime.now(UTC).astimezone(SHANGHAI).date() - timedelta(days=1)).isoformat()
        assert [r["through"] for r in runs] == [yesterday]
        trail = op.get("/v1/audit", params={"actor": "schedule"}).json()["records"]
        assert [(r["action"], r["via"], r["outcome"]) for r in trail] == [("settlement.run", "schedule", "ok")]
        browser = console_client(one.url, "scenario-operator-token")
        try:
            browser.cookies.set("pb_lang", "en")
            page = browser.get("/console/operations")
        finally:
            browser.close()
        assert page.status_code == 200 and yesterday in page.text
    finally:
        stop(one.process, two.process)
    audit_clean(db_url)
