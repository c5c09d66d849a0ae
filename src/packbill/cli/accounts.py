"""``packbill accounts``: create, list, show, switch traffic billing, payment terms, the payer of a
group (R32) and its members, a new token."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .. import present, services
from ..client import schemas
from ..services import operators
from .common import AsOfOpt, DbOpt, Errors, moment, open_ctx, out
from .remote import ServerOpt, TokenOpt, answer, call, connect, shaped

accounts_app = typer.Typer(help="Accounts: create, list, show, switch traffic billing, set a payer.", no_args_is_help=True)
GROUPS = {"accounts": accounts_app}


@accounts_app.command("create")
def accounts_create(
    name: str,
    site: Annotated[str, typer.Option(help="The site: cn (China site) or intl.")] = "cn",
    payment: Annotated[str, typer.Option(help="The payment terms: balance (prepaid) or invoice (monthly billing).")] = "invoice",
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Create an account and print its token (shown only this once)."""
    client = connect(server, token, db)
    if client is not None:
        made = answer(call(lambda: client.create_account(name, site, payment)))  # type: ignore[arg-type]
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "account.create", name=name, site=site, payment=payment) as found:
            account, secret = services.create_account(ctx, name, site, payment=payment)
            found["target"] = account.id
        made = {**present.account_json(services.account_view(ctx, account.id)), "token": secret}
    out().print(f"account [bold]{made['id']}[/bold] ({made['name']}, site {made['site']}, {made['payment']} terms)")
    out().print(f"token   [bold]{made['token']}[/bold]  (keep it: it is not stored and cannot be shown again)")


@accounts_app.command("list")
def accounts_list(db: DbOpt = None, server: ServerOpt = None, token: TokenOpt = None) -> None:
    """List every account."""
    client = connect(server, token, db)
    if client is not None:
        found = answer(call(client.list_accounts))["accounts"]
    else:
        ctx = open_ctx(db)
        found = shaped(schemas.AccountListOut, {"accounts": [present.account_json(v) for v in services.account_views(ctx)]})["accounts"]
    table = Table()
    for col in ("id", "name", "site", "traffic billing", "pending switch"):
        table.add_column(col)
    for a in found:
        pending = a["traffic_billing_next"]
        table.add_row(a["id"], a["name"], a["site"], a["traffic_billing"], f"{pending['mode']} from {pending['effective_day']}" if pending else "")
    out().print(table)


@accounts_app.command("show")
def accounts_show(account_id: str, db: DbOpt = None, as_of: AsOfOpt = None, server: ServerOpt = None, token: TokenOpt = None) -> None:
    """Show one account and its traffic billing type."""
    client = connect(server, token, db)
    if client is not None:
        a = answer(call(lambda: client.get_account(account_id, as_of)))
    else:
        ctx = open_ctx(db)
        with Errors():
            a = shaped(schemas.AccountDetailOut, present.account_json(services.account_view(ctx, account_id, moment(as_of, "as-of"))))
    out().print(f"[bold]{a['id']}[/bold]  {a['name']}  site {a['site']}  created {a['created_at'][:10]}")
    out().print(f"traffic billing: {a['traffic_billing']}")
    if a["traffic_billing_next"]:
        out().print(f"switching to {a['traffic_billing_next']['mode']} from {a['traffic_billing_next']['effective_day']}")


@accounts_app.command("traffic-billing")
def accounts_traffic_billing(
    account_id: str,
    mode: Annotated[str, typer.Argument(help="The traffic billing: traffic or daily_peak_bandwidth.")],
    at: Annotated[str | None, typer.Option(help="When the request was made (backfills).")] = None,
    db: DbOpt = None,
) -> None:
    """Switch an account's traffic billing type (effective the next day)."""
    ctx = open_ctx(db)
    with Errors(ctx, "traffic_billing.switch", account_id, mode=mode, at=at):
        mode_value, effective = services.switch_traffic_billing(ctx, account_id, mode, moment(at, "at"))
    out().print(f"{account_id}: traffic billed by {mode_value.value} from {effective}")


@accounts_app.command("payment")
def accounts_payment(account_id: str, terms: Annotated[str, typer.Argument(help="The payment terms: balance or invoice.")], db: DbOpt = None) -> None:
    """Change an account's payment terms."""
    ctx = open_ctx(db)
    with Errors(ctx, "account.payment.set", account_id, payment=terms):
        purse = services.set_payment_terms(ctx, account_id, terms)
    out().print(f"{account_id}: {purse.terms.value} terms")


@accounts_app.command("payer")
def accounts_payer(
    account_id: str,
    payer: Annotated[str, typer.Argument(help="The account whose wallet pays from the next day, or 'none' to pay for itself.")],
    at: Annotated[str | None, typer.Option(help="When the change was made (backfills; never into a settled day).")] = None,
    db: DbOpt = None,
) -> None:
    """Set the payer account of a group (R32): it pays this account's purchases and pay-as-you-go from the next day."""
    ctx = open_ctx(db)
    wanted = None if payer.strip().lower() == "none" else payer.strip()
    with Errors(ctx, "account.payer.set", account_id, payer=wanted, at=at):
        done = services.set_payer(ctx, account_id, wanted, moment(at, "at"))
    who = done.payer or "itself"
    out().print(f"{account_id}: paid for by {who} from {done.effective_day}")


@accounts_app.command("members")
def accounts_members(account_id: str, db: DbOpt = None) -> None:
    """List the accounts a payer account pays for (R32), with the day each joined."""
    ctx = open_ctx(db)
    with Errors(ctx, None, account_id):
        found = services.members(ctx, account_id)
    table = Table("account", "name", "since")
    for m in found:
        table.add_row(m.id, m.name, str(m.since))
    out().print(table if found else f"{account_id} pays for no other account")


@accounts_app.command("token")
def accounts_token(account_id: str, db: DbOpt = None) -> None:
    """Give an account a new token (the old one stops working at once) and print it."""
    ctx = open_ctx(db)
    with Errors(ctx, "account.token.rotate", account_id):
        token = operators.rotate_token(ctx, account_id)
    out().print(f"token [bold]{token}[/bold]  (the old token no longer works; this one is not stored and cannot be shown again)")
