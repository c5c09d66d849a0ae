"""An account's overview: its packages (with what is left now), reminders, wallet and group (R32)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from ... import present, services
from ...domain.days import SHANGHAI, shanghai_day
from ...domain.errors import BillingError
from ...domain.model import PackageStatus
from ...domain.refund import check_refund
from ...domain.wallet import WalletState
from ..i18n import t
from ..pages import Pages, Visit
from .money import run_form


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.get("/console/accounts/{account_id}")
    def account(account_id: str, v: Visit = Depends(pages.account)) -> Response:
        today, lang = shanghai_day(ctx.now()), v.lang
        packages = services.list_packages(ctx, account_id)
        refundable = _refundable(ctx, v.account, packages)
        now_left = services.remaining_now(ctx, account_id)  # R26: with the usage not settled yet, estimated
        ahead = services.package_forecasts(ctx, account_id, now_left)  # R29: at the last 30 days' rate
        rows = [
            {"view": p, "share": 100 * p.remaining / p.package.size,
             "remaining": present.quantity(p.package.service, p.remaining, lang),
             "now": present.quantity(p.package.service, now_left[p.package.id], lang)
             if now_left.get(p.package.id, p.remaining) != p.remaining else None,
             "size": present.quantity(p.package.service, p.package.size, lang),
             "days_left": (p.package.last_day - today).days + 1 if p.status.value not in ("expired", "refunded") else None,
             "refundable": p.package.id in refundable,
             "forecast": present.forecast_text(ahead[p.package.id], p.package.service, lang) if p.package.id in ahead else None,
             "forfeits": p.package.id in ahead and ahead[p.package.id].forfeits}
            for p in packages
        ]
        reminders = present.reminder_rows(services.every_reminder(ctx, account_id), ctx.catalog, lang)
        wallet = services.wallet(ctx, account_id)
        alerts = [a for a in services.package_alerts(ctx, account_id, now_left) if a.left_percent is not None or not a.default]
        return v.page("account.html", account=v.account, rows=rows, reminders=reminders, tab="overview",
                      wallet=wallet, alerts=alerts, group=services.standing(ctx, account_id),
                      wallet_note=_wallet_note(lang, wallet, ctx.delays), today=today, idem=pages.new_form_key(),
                      stopped=[present.service_name(ctx.catalog, s, lang) for s, st in wallet.service_status.items() if st == "suspended"],
                      capped=[present.service_name(ctx.catalog, s, lang) for s, st in wallet.service_status.items() if st == "capped"],
                      any_frozen=any(p.status is PackageStatus.FROZEN for p in packages))

    may_set_payer = pages.permitted("account.payer.set")

    @r.post("/console/accounts/{account_id}/payer")
    def payer(account_id: str, payer: str = Form(""), v: Visit = Depends(may_set_payer)) -> Response:
        """R32: the operator sets the account's payer (empty: it pays for itself) from the next day."""
        wanted = payer.strip() or None
        return run_form(v, account_id, "account.payer.set", {"payer": wanted}, lambda: services.set_payer(ctx, account_id, wanted),
                        lambda x: v.t("payer_set", payer=f"{x.payer_name}（{x.payer}）" if x.payer else v.t("payer_itself"),
                                      day=x.effective_day))

    return r


def _wallet_note(lang: str, wallet, delays) -> str | None:
    """R19: what the customer should do about arrears, and by when."""
    purse = wallet.purse
    if purse.arrears_since is None or wallet.state is WalletState.NORMAL:
        return None
    since = purse.arrears_since.astimezone(SHANGHAI)
    floor = present.money(-purse.credit_limit)
    if wallet.state is WalletState.ARREARS:
        deadline = since + delays.suspend_after
        return t(lang, "arrears_help", since=f"{since:%Y-%m-%d %H:%M}", deadline=f"{deadline:%Y-%m-%d %H:%M}", floor=floor)
    if wallet.state is WalletState.SUSPENDED:
        reclaim = since + delays.suspend_after + delays.reclaim_after
        return t(lang, "suspended_help", since=f"{since:%Y-%m-%d %H:%M}", reclaim=f"{reclaim:%Y-%m-%d}", floor=floor)
    return t(lang, "reclaim_help", floor=floor)


def _refundable(ctx, view, packages) -> set[str]:
    """Packages the R10 refund would accept now (the check itself stays in the domain)."""
    out = set()
    for p in packages:
        try:
            check_refund(p.package, p.package.size - p.remaining, view.account.refunds, ctx.now())
            out.add(p.package.id)
        except BillingError:
            pass
    return out
