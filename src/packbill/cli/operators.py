"""``packbill keys``, ``packbill accounts token`` and ``packbill trail``: operators' keys, token
rotation and the audit trail from the command line (R24). The command line works on the
database directly, so it acts as an admin, recorded as the operating-system user."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from ..client import schemas
from ..present.operators import key_json, record_json
from ..services import operators
from .common import DbOpt, Errors, open_ctx, out, parse_day
from .remote import ServerOpt, TokenOpt, answer, beijing_text, call, connect, shaped

keys_app = typer.Typer(help="Operator keys with a role (admin, finance, support, metering): create, list, revoke.",
                       no_args_is_help=True)
app = typer.Typer()
"""Commands at the top level."""
GROUPS = {"keys": keys_app}


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who holds the key, e.g. billing-alice.")],
    role: Annotated[str, typer.Option(help="The role: admin, finance, support or metering.")],
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Create a named key and print its token (shown only this once; only a hash is kept)."""
    client = connect(server, token, db)
    if client is not None:
        made = answer(call(lambda: client.create_key(name, role)))  # type: ignore[arg-type]
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "key.create", name=name, role=role) as found:
            key, secret = operators.create_key(ctx, name, role, operators.Principal.os_user())
            found["target"] = key.id
        made = {**key_json(key), "token": secret}
    out().print(f"key [bold]{made['id']}[/bold] ({made['name']}, role {made['role']})")
    out().print(f"token [bold]{made['token']}[/bold]  (keep it: it is not stored and cannot be shown again)")


@keys_app.command("list")
def keys_list(db: DbOpt = None, server: ServerOpt = None, token: TokenOpt = None) -> None:
    """List every key, revoked ones included."""
    client = connect(server, token, db)
    if client is not None:
        keys = answer(call(client.keys))["keys"]
    else:
        ctx = open_ctx(db)
        with Errors():
            keys = shaped(schemas.KeysOut, {"keys": [key_json(k) for k in operators.list_keys(ctx)]})["keys"]
    table = Table(title="operator keys (times in Beijing time)")
    for col in ("key", "name", "role", "created", "by", "revoked"):
        table.add_column(col)
    for k in keys:
        table.add_row(k["id"], k["name"], k["role"], beijing_text(k["created_at"]), k["created_by"], beijing_text(k["revoked_at"]))
    out().print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str, db: DbOpt = None, server: ServerOpt = None, token: TokenOpt = None) -> None:
    """Revoke a key: it stops working with its next request."""
    client = connect(server, token, db)
    if client is not None:
        key = answer(call(lambda: client.revoke_key(key_id)))
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "key.revoke", target=key_id):
            key = key_json(operators.revoke_key(ctx, key_id))
    out().print(f"key {key['id']} ({key['name']}) revoked at {beijing_text(key['revoked_at'], seconds=True)} (Beijing time)")


@app.command()
def trail(
    since: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (Beijing time).")] = None,
    until: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (Beijing time).")] = None,
    actor: Annotated[str | None, typer.Option(help="Who: 'bootstrap', a key id, an account id, os:<user>.")] = None,
    account: Annotated[str | None, typer.Option(help="An account id.")] = None,
    action: Annotated[str | None, typer.Option(help="An action, e.g. topup.create.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=operators.MAX_RECORDS)] = 50,
    format: Annotated[str, typer.Option(help="The output: table or json.")] = "table",
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Show the audit trail: every change of state and every refused attempt, newest first."""
    client = connect(server, token, db)
    if client is not None:
        filters = {"from": since, "to": until, "actor": actor, "account_id": account, "action": action}
        found = answer(call(lambda: client.audit(limit=limit, **filters)))["records"]
    else:
        ctx = open_ctx(db)
        with Errors():
            records = operators.records(ctx, first=parse_day(since, "from") if since else None, last=parse_day(until, "to") if until else None,
                                        actor=actor, account_id=account, action=action, limit=limit)
        found = shaped(schemas.AuditOut, {"records": [record_json(r) for r in records], "next": None})["records"]
    if format == "json":
        print(json.dumps(found, ensure_ascii=False, indent=1))
        return
    table = Table(title=f"audit trail ({len(found)} records; times in Beijing time)")
    for col in ("at", "who", "via", "action", "target", "outcome", "parameters"):
        table.add_column(col)
    for r in found:
        table.add_row(beijing_text(r["at"], seconds=True), r["actor"], r["via"], r["action"], r["target"] or "",
                      r["outcome"] if r["outcome"] == "ok" else f"[red]{r['outcome']}[/red]",
                      json.dumps(r["parameters"], ensure_ascii=False)[:60])
    out().print(table)
