"""Issue 27: arbitrary strings, surrogates and control characters included, sent to every route
of the OpenAPI document with every role: no answer is a 5xx, and every change answered 2xx has
its audit record (written in the change's own transaction, ``services.trail``)."""

from __future__ import annotations

import json
from urllib.parse import quote

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packbill.domain.access import CHANGES
from packbill.storage import schema as t

from .test_roles import BODIES, EXPECTED, fill, routes

SURROGATES = st.sampled_from(["\ud83d", "x\udc00", "\udfff-bank", "a\x00b", "\x00"])
NASTY = st.one_of(
    SURROGATES,
    st.lists(st.integers(0, 0x10FFFF), max_size=12).map(lambda points: "".join(map(chr, points))),  # surrogates included
    st.sampled_from(["\x1b[31m", "=HYPERLINK(\"x\")", "9" * 40, "", " ", "1e2", "１", "-0", "0001-01-01T00:00:00+14:00",
                     "9999-12-31", "2027-02-30", "..", "null", "\u202e", "😀" * 50]),
    st.integers(-(2**70), 2**70), st.none(), st.booleans(), st.floats(allow_nan=True), st.lists(st.integers(), max_size=3),
)
ROLES = ("admin", "finance", "support", "metering", "account")
OPERATIONS = sorted(EXPECTED)


def records(ctx) -> int:
    with ctx.db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.audit_records)).scalar_one()


def newest(ctx):
    a = t.audit_records
    with ctx.db.read() as conn:
        return conn.execute(sa.select(a.c.action, a.c.outcome).order_by(a.c.id.desc()).limit(1)).one()


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_arbitrary_text_to_every_route_with_every_role(api, ctx, world, data):
    method, path = data.draw(st.sampled_from([o for o in OPERATIONS if not o[1].endswith("/token")]), label="operation")
    role = data.draw(st.sampled_from(ROLES), label="role")
    action = routes(api.client.app)[(method, path)]
    url = fill(path, world)
    kwargs: dict = {}
    body = dict(BODIES.get((method, path), {}))
    if body or method in ("POST", "PUT"):
        field = data.draw(st.sampled_from(sorted(body) * 4 + ["note", "\ud800key"]) if body else st.just("note"), label="field")
        body[field] = data.draw(NASTY, label="value")
        kwargs["content"] = json.dumps(body).encode()  # lone surrogates travel as \\udXXX escapes
        kwargs["headers"] = {"content-type": "application/json"}
    else:
        name = data.draw(st.sampled_from(["as_of", "from", "to", "status", "actor", "limit", "format"]), label="parameter")
        value = data.draw(NASTY, label="value")
        text = value if isinstance(value, str) else json.dumps(value)
        # bytes as a careless client sends them: a lone surrogate as its UTF-8-like bytes (not UTF-8)
        url += ("&" if "?" in url else "?") + f"{name}={quote(text.encode('utf-8', 'surrogatepass'), safe='')}"
    before = records(ctx)
    r = getattr(api.as_(world["tokens"][role]), method.lower())(url, **kwargs)
    assert r.status_code < 500, (method, path, role, kwargs, r.text)
    if r.status_code >= 400:
        assert set(r.json()["error"]) >= {"code", "message"}
    if action in CHANGES:
        assert records(ctx) > before, (method, path, role, r.status_code)  # accepted or refused, it is recorded
        if r.status_code < 300:
            assert tuple(newest(ctx)) in ((action, "ok"), (action, "replayed")), (method, path, role, r.text)


def test_a_surrogate_and_a_nul_in_every_field_of_every_body_with_the_admin(api, ctx, world):
    """The exhaustive companion of the fuzz test: each field of each route's body, and a field the
    route ignores, in turn holds a lone surrogate or a NUL; each is refused before anything
    happens, and each refusal of a change is recorded."""
    for (method, path), template in sorted(BODIES.items()):
        if path.endswith("/token"):
            continue
        action = routes(api.client.app)[(method, path)]
        for field in [*template, "note"]:
            for bad in ("\ud83d", "a\x00b"):
                before = records(ctx)
                body = json.dumps({**template, field: bad}).encode()
                r = getattr(api.as_(world["tokens"]["admin"]), method.lower())(fill(path, world), content=body,
                                                                             headers={"content-type": "application/json"})
                assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", (path, field, r.text)
                if action in CHANGES:
                    assert records(ctx) == before + 1 and tuple(newest(ctx)) == (action, "invalid_request"), (path, field)
