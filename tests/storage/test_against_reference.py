"""The database-backed services give exactly the ledger of the in-memory reference model
(domain.ReferenceModel) on the same random customer histories, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packbill import services
from packbill.domain.errors import BillingError
from packbill.domain.reference import ReferenceModel

from ..domain.test_properties import DAYS, LAST_DAY, SMALL, START, histories
from ..helpers import d


def raw(event, i):
    return {"event_id": event.event_id, "service": event.service, "quantity": event.quantity,
            "region": event.region, "timestamp": event.timestamp.isoformat()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories, split=st.integers(0, DAYS - 1), refund_first=st.booleans())
def test_services_match_reference_model(db_url, fresh_ctx, history, split, refund_first):
    ctx = fresh_ctx()  # each example its own database: R12 makes every finished run count for all accounts
    ctx.catalog = SMALL
    reference = ReferenceModel(SMALL)
    account, _ = services.create_account(ctx, "A", "cn")
    reference.create_account(account.id, "A", "cn")
    ids = {}
    events = []
    for i, op in enumerate(history):
        if op[0] == "buy":
            got = services.buy(ctx, account.id, op[1], op[3], op[2]).packages
            want, _ = reference.buy(account.id, op[1], op[2], count=op[3])
            ids.update({w.id: g.id for w, g in zip(want, got, strict=False)})
        elif op[0] == "switch":
            services.switch_traffic_billing(ctx, account.id, op[1].value, op[2])
            reference.switch_traffic_billing(account.id, op[1], op[2])
        else:
            from packbill.domain.model import UsageEvent

            events.append(UsageEvent(f"e{i}", op[1], op[2], op[4], op[3]))
    if refund_first and ids:
        first_ref = next(iter(ids))
        when = START + timedelta(hours=1)
        refusals = []
        for refund in (lambda: reference.refund(account.id, first_ref, when), lambda: services.refund(ctx, account.id, ids[first_ref], when)):
            try:
                refund()
                refusals.append(None)
            except BillingError as exc:  # the rules' refusal: both must refuse alike, nothing else may be raised
                refusals.append((exc.code, exc.message))
        assert refusals[0] == refusals[1], refusals
    # half the events arrive, some days are settled, the rest arrive late (supplements)
    early, late = events[: len(events) // 2], events[len(events) // 2 :]
    assert services.ingest(ctx, account.id, [raw(e, i) for i, e in enumerate(early)]).accepted == len(early)
    reference.record_usage(account.id, early)
    mid = (START + timedelta(days=split)).date()
    services.settle(ctx, mid)
    reference.settle(mid, ctx.now())
    result = services.ingest(ctx, account.id, [raw(e, i) for i, e in enumerate(late + early)])
    assert (result.accepted, result.duplicates) == (len(late), len(early))
    reference.record_usage(account.id, late)
    services.settle(ctx, LAST_DAY)
    reference.settle(LAST_DAY, ctx.now())

    def rename(line):
        return line._replace(drawn=tuple(x._replace(package_id=ids[x.package_id]) for x in line.drawn))

    want = [rename(ln) for ln in reference.bills(account.id, d("2026-01-01"), d("2028-12-31"))]
    got = services.bills(ctx, account.id, d("2026-01-01"), d("2028-12-31"))
    assert sorted(got, key=repr) == sorted(want, key=repr)
    for as_of in (START + timedelta(days=split, hours=23), START + timedelta(days=DAYS + 1)):
        want_p = [(ids[v.package.id], v.remaining, v.status) for v in reference.packages(account.id, as_of)]
        got_p = [(v.package.id, v.remaining, v.status) for v in services.list_packages(ctx, account.id, as_of)]
        assert got_p == want_p
    day = LAST_DAY
    want_r = sorted((r.kind, ids[r.package_id], r.day, r.threshold) for r in reference.reminders(account.id, day))
    got_r = sorted((r.kind, r.package_id, r.day, r.threshold) for r in services.reminders(ctx, account.id, START + timedelta(days=DAYS - 1, hours=12)))
    assert got_r == want_r
