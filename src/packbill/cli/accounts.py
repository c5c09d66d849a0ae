"""``packbill accounts``: create, list, show, switch traffic billing, payment terms, a new token."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .. import services
from ..services import operators
from .common import AsOfOpt, DbOpt, Errors, moment, open_ctx, out

accounts_app = typer.Typer(help="Accounts: create, list, show, switch traffic billing.", no_args_is_help=True)
GROUPS = {"accounts": accounts_app}


@accounts_app.command("create")
def accounts_create(
    name: str,
    site: Annotated[str, typer.Option(help="The site: cn (China site) or intl.")] = "cn",
    payment: Annotated[str, typer.Option(help="The payment terms: balance (prepaid) or invoice (monthly billing).")] = "invoice",
    db: DbOpt = None,
) -> None:
    """Create an account and print its token (shown only this once)."""
    ctx = open_ctx(db)
    with Errors(ctx, "account.create", name=name, site=site, payment=payment) as found:
        account, token = services.create_account(ctx, name, site, payment=payment)
        found["target"] = account.id
    out().print(f"account [bold]{account.id}[/bold] ({account.name}, site {account.site.value}, {account.terms.value} terms)")
    out().print(f"token   [bold]{token}[/bold]  (keep it: it is not stored and cannot be shown again)")


@accounts_app.command("list")
def accounts_list(db: DbOpt = None) -> None:
    """List every account."""
    ctx = open_ctx(db)
    table = Table()
    for col in ("id", "name", "site", "traffic billing", "pending switch"):
        table.add_column(col)
    for view in services.account_views(ctx):
        a = view.account
        pending = view.traffic_billing_next
        table.add_row(a.id, a.name, a.site.value, view.traffic_billing.value, f"{pending[0].value} from {pending[1]}" if pending else "")
    out().print(table)


@accounts_app.command("show")
def accounts_show(account_id: str, db: DbOpt = None, as_of: AsOfOpt = None) -> None:
    """Show one account and its traffic billing type."""
    ctx = open_ctx(db)
    with Errors():
        view = services.account_view(ctx, account_id, moment(as_of, "as-of"))
    a = view.account
    out().print(f"[bold]{a.id}[/bold]  {a.name}  site {a.site.value}  created {a.created_at:%Y-%m-%d}")
    out().print(f"traffic billing: {view.traffic_billing.value}")
    if view.traffic_billing_next:
        mode, day = view.traffic_billing_next
        out().print(f"switching to {mode.value} from {day}")


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


@accounts_app.command("token")
def accounts_token(account_id: str, db: DbOpt = None) -> None:
    """Give an account a new token (the old one stops working at once) and print it."""
    ctx = open_ctx(db)
    with Errors(ctx, "account.token.rotate", account_id):
        token = operators.rotate_token(ctx, account_id)
    out().print(f"token [bold]{token}[/bold]  (the old token no longer works; this one is not stored and cannot be shown again)")
