"""``packbill webhooks``: the operator's webhook endpoints and their deliveries (R25) from the
command line, through the same services as ``/v1/webhooks``. The command line acts as an admin,
recorded as the operating-system user."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ..domain.notify import EVENT_TYPES
from ..present.operators import delivery_json, webhook_json
from ..services import operators, webhooks
from .common import DbOpt, Errors, open_ctx, out
from .remote import ServerOpt, TokenOpt, answer, beijing_text, call, connect

webhooks_app = typer.Typer(help="Webhook endpoints and their deliveries: add, list, remove, deliveries, resend.", no_args_is_help=True)
GROUPS = {"webhooks": webhooks_app}


@webhooks_app.command("add")
def webhooks_add(
    url: Annotated[str, typer.Argument(help="The receiver's address, https:// (or an address the operator allowed).")],
    account: Annotated[str | None, typer.Option(help="Only this account's events; every account's when left out.")] = None,
    event: Annotated[list[str] | None, typer.Option(help=f"An event type to send, repeatable; all when left out. One of: {', '.join(EVENT_TYPES)}.")] = None,
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Register a webhook endpoint and print its signing secret (shown only this once)."""
    client = connect(server, token, db)
    if client is not None:
        made = answer(call(lambda: client.add_webhook(url, event or None, account)))
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "webhook.create", account_id=account, url=url, events=event) as found:
            e = webhooks.create_endpoint(ctx, operators.Principal.os_user(), url, event or None, account)
            found["target"] = e.id
        made = {**webhook_json(e, webhooks.endpoint_status(e)), "secret": e.secret}
    out().print(f"webhook [bold]{made['id']}[/bold] sends {'every event' if made['events'] is None else ', '.join(made['events'])} "
                f"of {'every account' if made['account_id'] is None else made['account_id']} to {made['url']}")
    out().print(f"signing secret [bold]{made['secret']}[/bold]  (keep it: it is shown only now)")


@webhooks_app.command("list")
def webhooks_list(db: DbOpt = None, server: ServerOpt = None, token: TokenOpt = None) -> None:
    """List every webhook endpoint with its status (active, failing or disabled)."""
    client = connect(server, token, db)
    if client is not None:
        found = answer(call(client.webhooks))["webhooks"]
    else:
        ctx = open_ctx(db)
        with Errors():
            found = [webhook_json(e, webhooks.endpoint_status(e)) for e in webhooks.endpoints(ctx, operators.Principal.os_user())]
    table = Table(title="webhook endpoints (times in Beijing time)")
    for col in ("webhook", "url", "account", "events", "status", "created", "failing since"):
        table.add_column(col)
    for e in found:
        table.add_row(e["id"], e["url"], e["account_id"] or "every account", "all" if e["events"] is None else ", ".join(e["events"]),
                      e["status"], beijing_text(e["created_at"]), beijing_text(e["failing_since"]))
    out().print(table if found else "No webhook endpoints yet: add one with `packbill webhooks add URL`.")


@webhooks_app.command("remove")
def webhooks_remove(webhook_id: Annotated[str, typer.Argument(help="The endpoint's id, as `webhooks list` shows it.")],
                    db: DbOpt = None, server: ServerOpt = None, token: TokenOpt = None) -> None:
    """Remove a webhook endpoint: nothing more is sent to it."""
    client = connect(server, token, db)
    if client is not None:
        gone = answer(call(lambda: client.remove_webhook(webhook_id)))
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "webhook.delete", target=webhook_id):
            e = webhooks.delete_endpoint(ctx, operators.Principal.os_user(), webhook_id)
        gone = webhook_json(e, webhooks.endpoint_status(e))
    out().print(f"webhook {gone['id']} ({gone['url']}) removed")


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    webhook_id: Annotated[str, typer.Argument(help="The endpoint's id, as `webhooks list` shows it.")],
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many deliveries to show, newest first.")] = 50,
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Show an endpoint's deliveries, newest first: each event, its attempts and the last answer."""
    client = connect(server, token, db)
    if client is not None:
        found = answer(call(lambda: client.deliveries(webhook_id, limit=limit)))["deliveries"]
    else:
        ctx = open_ctx(db)
        with Errors():
            found = [delivery_json(d) for d in webhooks.deliveries(ctx, operators.Principal.os_user(), webhook_id, limit)]
    table = Table(title=f"deliveries to {webhook_id} (times in Beijing time)")
    for col in ("delivery", "event", "type", "status", "attempts", "last attempt", "answer", "next attempt"):
        table.add_column(col, justify="right" if col in ("delivery", "attempts") else "left")
    for d in found:
        said = str(d["last_code"]) if d["last_code"] is not None else (d["last_error"] or "")
        table.add_row(str(d["id"]), d["event_id"], d["type"], d["status"], str(d["attempts"]), beijing_text(d["last_at"]), said,
                      beijing_text(d["next_at"]))
    out().print(table if found else "Nothing was sent to this endpoint yet.")


@webhooks_app.command("resend")
def webhooks_resend(
    webhook_id: Annotated[str, typer.Argument(help="The endpoint's id.")],
    delivery_id: Annotated[int, typer.Argument(min=1, help="The delivery's number, as `webhooks deliveries` shows it.")],
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Send a delivery again, with the same event id; a disabled endpoint is enabled again."""
    client = connect(server, token, db)
    if client is not None:
        again = answer(call(lambda: client.resend_delivery(webhook_id, delivery_id)))
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "webhook.resend", target=webhook_id, delivery=delivery_id):
            again = delivery_json(webhooks.resend(ctx, operators.Principal.os_user(), webhook_id, delivery_id))
    out().print(f"delivery {again['id']} ({again['type']}, event {again['event_id']}) is pending again; "
                "a running dispatcher (`packbill serve` or `packbill dispatch`) sends it")
