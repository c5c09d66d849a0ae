"""The console's words in Simplified Chinese (the default) and English."""

from __future__ import annotations

from ..domain import BillingError, UnknownSku

LANGS = ("zh", "en")

TEXT: dict[str, dict[str, str]] = {
    "app": {"zh": "packbill 资源包计费", "en": "packbill resource packages"},
    "signin": {"zh": "登录", "en": "Sign in"},
    "signout": {"zh": "退出", "en": "Sign out"},
    "token": {"zh": "访问令牌", "en": "Access token"},
    "token_help": {"zh": "运营人员使用运营令牌；客户使用创建账号时获得的账号令牌。", "en": "Operators use the operator token; customers use the token they got when their account was created."},
    "bad_token": {"zh": "令牌无效，请检查后重试。", "en": "This token is not valid. Check it and try again."},
    "accounts": {"zh": "账号", "en": "Accounts"},
    "account": {"zh": "账号", "en": "Account"},
    "name": {"zh": "名称", "en": "Name"},
    "site": {"zh": "站点", "en": "Site"},
    "site_cn": {"zh": "中国站", "en": "China site"},
    "site_intl": {"zh": "国际站", "en": "International site"},
    "create_account": {"zh": "创建账号", "en": "Create account"},
    "created_token": {"zh": "账号已创建。请立即保存令牌，它只显示这一次：", "en": "Account created. Save its token now; it is shown only this once:"},
    "settlement": {"zh": "结算", "en": "Settlement"},
    "settle_through": {"zh": "结算至（含）", "en": "Settle through (inclusive)"},
    "settle": {"zh": "执行结算", "en": "Settle"},
    "settled": {"zh": "已结算 {days} 个账号日，生成 {lines} 条账单明细。", "en": "Settled {days} account-day(s) and wrote {lines} bill line(s)."},
    "overview": {"zh": "概览", "en": "Overview"},
    "catalog": {"zh": "购买资源包", "en": "Buy packages"},
    "bills": {"zh": "用量与账单", "en": "Usage and bills"},
    "packages": {"zh": "资源包", "en": "Packages"},
    "packages_help": {"zh": "按抵扣顺序排列：先购买的先抵扣。", "en": "In draw order: the earliest bought is drawn first."},
    "package": {"zh": "资源包", "en": "Package"},
    "remaining": {"zh": "剩余", "en": "Remaining"},
    "status": {"zh": "状态", "en": "Status"},
    "first_day": {"zh": "生效日", "en": "First day"},
    "last_day": {"zh": "到期日", "en": "Last day"},
    "days_left": {"zh": "剩余天数", "en": "Days left"},
    "st_active": {"zh": "生效中", "en": "active"},
    "st_frozen": {"zh": "已冻结", "en": "frozen"},
    "st_exhausted": {"zh": "已用完", "en": "exhausted"},
    "st_expired": {"zh": "已过期", "en": "expired"},
    "st_refunded": {"zh": "已退款", "en": "refunded"},
    "frozen_why": {"zh": "账号当前按日带宽峰值计费，流量包暂不抵扣，但有效期照常计算。切换为流量计费后，次日起解冻。", "en": "This account's traffic is billed by daily peak bandwidth, so traffic packages are not drawn, while their validity keeps running. Switch to traffic-volume billing to thaw them from the next day."},
    "refund": {"zh": "退款", "en": "Refund"},
    "refund_confirm": {"zh": "每个账号仅有一次无理由退款机会，确定退款吗？", "en": "An account has one no-reason refund in its lifetime. Refund this package?"},
    "refunded": {"zh": "已退款 {amount} 元。", "en": "Refunded {amount} CNY."},
    "traffic_billing": {"zh": "流量计费方式", "en": "Traffic billing"},
    "mode_daily_peak_bandwidth": {"zh": "日带宽峰值计费", "en": "daily peak bandwidth"},
    "mode_traffic": {"zh": "流量计费", "en": "traffic volume"},
    "switch_to": {"zh": "切换为{mode}", "en": "Switch to {mode}"},
    "pending": {"zh": "将于 {day} 起切换为{mode}。", "en": "Switching to {mode} from {day}."},
    "switched": {"zh": "已提交：自 {day} 起按{mode}。", "en": "Done: {mode} from {day}."},
    "reminders": {"zh": "提醒", "en": "Reminders"},
    "no_reminders": {"zh": "暂无提醒。", "en": "No reminders."},
    "service": {"zh": "服务", "en": "Service"},
    "size": {"zh": "规格", "en": "Size"},
    "price": {"zh": "价格（元）", "en": "Price (CNY)"},
    "validity": {"zh": "有效期", "en": "Validity"},
    "count": {"zh": "数量", "en": "Count"},
    "buy": {"zh": "购买", "en": "Buy"},
    "bought": {"zh": "购买成功，共 {amount} 元，当日生效。", "en": "Bought for {amount} CNY, effective today."},
    "payg_prices": {"zh": "按量计费价格", "en": "Pay-as-you-go prices"},
    "payg": {"zh": "按量计费", "en": "pay-as-you-go"},
    "catalog_notes": {"zh": "资源包仅抵扣中国大陆地域用量，仅限中国站账号购买，仅限本账号使用；一次性购买，不可续费。", "en": "Packages cover usage in mainland China regions only, can be bought by China-site accounts only and serve only the buying account; one-time purchase, no renewal."},
    "from": {"zh": "从", "en": "From"},
    "to": {"zh": "到", "en": "To"},
    "show": {"zh": "查看", "en": "Show"},
    "day": {"zh": "日期", "en": "Day"},
    "quantity": {"zh": "用量", "en": "Quantity"},
    "drawn": {"zh": "资源包抵扣", "en": "Drawn from packages"},
    "payg_quantity": {"zh": "按量计费用量", "en": "Pay-as-you-go"},
    "amount": {"zh": "金额（元）", "en": "Amount (CNY)"},
    "supplement": {"zh": "补结算", "en": "supplement"},
    "total": {"zh": "合计", "en": "Total"},
    "no_lines": {"zh": "该时间段没有账单明细。", "en": "No bill lines in this period."},
    "chart_title": {"zh": "{service}：每日资源包抵扣与按量计费", "en": "{service}: daily usage drawn from packages vs pay-as-you-go"},
    "language": {"zh": "English", "en": "中文"},
    "not_found": {"zh": "找不到该账号。", "en": "There is no such account."},
    "forbidden": {"zh": "只有运营人员可以执行此操作。", "en": "Only the operator can do this."},
    "all_accounts": {"zh": "全部账号", "en": "All accounts"},
    "wallet": {"zh": "账户余额", "en": "Wallet"},
    "balance": {"zh": "现金余额", "en": "Cash balance"},
    "estimated": {"zh": "含未结算用量的预估余额", "en": "Estimated, with usage not yet settled"},
    "credit_limit": {"zh": "信用额度", "en": "Credit limit"},
    "payment_terms": {"zh": "付费方式", "en": "Payment terms"},
    "terms_balance": {"zh": "预付费（余额）", "en": "Prepaid (balance)"},
    "terms_invoice": {"zh": "月结（开票）", "en": "Monthly invoice"},
    "state": {"zh": "状态", "en": "State"},
    "state_normal": {"zh": "正常", "en": "Normal"},
    "state_arrears": {"zh": "欠费", "en": "In arrears"},
    "state_suspended": {"zh": "已停服", "en": "Suspended"},
    "state_reclaim_due": {"zh": "待回收", "en": "Due for reclaim"},
    "arrears_help": {"zh": "账户已欠费（自 {since} 起）。请于 {deadline} 前充值至不低于 {floor} 元，否则未被资源包覆盖的服务将停止。",
                     "en": "This account is in arrears since {since}. Top up to at least {floor} CNY before {deadline}, or services not covered by a package will stop."},
    "suspended_help": {"zh": "账户欠费已停服（自 {since} 起）。充值至不低于 {floor} 元即可立即恢复；{reclaim} 后资源将被回收。",
                       "en": "This account is suspended (in arrears since {since}). A top-up to at least {floor} CNY restores it at once; its resources are reclaimed after {reclaim}."},
    "reclaim_help": {"zh": "账户长期欠费，资源待回收。充值至不低于 {floor} 元即可恢复。", "en": "This account has been suspended for long and is due for reclaim. A top-up to at least {floor} CNY restores it."},
    "suspended_services": {"zh": "已停止的服务", "en": "Suspended services"},
    "vouchers": {"zh": "代金券", "en": "Vouchers"},
    "no_vouchers": {"zh": "暂无代金券。", "en": "No vouchers."},
    "voucher_amount": {"zh": "面额", "en": "Amount"},
    "expires_on": {"zh": "有效期至", "en": "Expires on"},
    "voucher_services": {"zh": "适用服务", "en": "For"},
    "all_services": {"zh": "全部服务", "en": "all services"},
    "vst_active": {"zh": "可用", "en": "active"},
    "vst_used": {"zh": "已用完", "en": "used"},
    "vst_expired": {"zh": "已过期", "en": "expired"},
    "topup": {"zh": "充值", "en": "Top up"},
    "reference": {"zh": "支付流水号", "en": "Payment reference"},
    "amount_cny": {"zh": "金额（元）", "en": "Amount (CNY)"},
    "adjust": {"zh": "调账", "en": "Adjust"},
    "reason": {"zh": "原因", "en": "Reason"},
    "grant_voucher": {"zh": "发放代金券", "en": "Grant voucher"},
    "discount": {"zh": "折扣", "en": "Discount"},
    "rate": {"zh": "折扣率（0–1）", "en": "Rate (0 to 1)"},
    "effective_day": {"zh": "生效日期", "en": "Effective from"},
    "set": {"zh": "保存", "en": "Save"},
    "alert": {"zh": "余额预警", "en": "Balance alert"},
    "alert_help": {"zh": "现金余额低于该值时提醒（每天至多一次）；留空则关闭。", "en": "Remind when a charge leaves the cash balance below this (at most once a day); leave empty to switch off."},
    "alert_off": {"zh": "未开启", "en": "off"},
    "list_price": {"zh": "刊例价", "en": "List price"},
    "your_price": {"zh": "您的价格", "en": "Your price"},
    "done": {"zh": "已完成。", "en": "Done."},
    "already_done": {"zh": "该操作已完成（重复提交未再执行）。", "en": "That was already done (the repeated submission did nothing more)."},
    "topped_up": {"zh": "已充值 {amount} 元，余额 {balance} 元。", "en": "Topped up {amount} CNY; balance {balance} CNY."},
    "sort": {"zh": "排序", "en": "Sort"},
    "filter_state": {"zh": "按状态筛选", "en": "Filter by state"},
    "all": {"zh": "全部", "en": "All"},
    "page": {"zh": "第 {n} / {of} 页", "en": "Page {n} of {of}"},
    "prev": {"zh": "上一页", "en": "Previous"},
    "next": {"zh": "下一页", "en": "Next"},
}

# The rules' refusals, as sentences, by error code and (for refunds) reason.
ERRORS: dict[str, dict[str, str]] = {
    "site_not_eligible": {"zh": "资源包仅支持中国站账号购买，本账号属于国际站，未购买任何资源包。", "en": "Resource packages can be bought only by China-site accounts. This account is on the international site; nothing was bought."},
    "unknown_sku": {"zh": "目录中没有这个资源包。", "en": "There is no such package in the catalog."},
    "refund:already_refunded": {"zh": "该资源包已退款。", "en": "This package has already been refunded."},
    "refund:refund_used": {"zh": "每个账号仅有一次无理由退款机会，本账号已使用。", "en": "An account has one no-reason refund in its lifetime, and this account has used it."},
    "refund:too_late": {"zh": "资源包仅可在购买后 5 天内退款。", "en": "A package can be refunded only within 5 days of its purchase."},
    "refund:drawn_on": {"zh": "该资源包已抵扣过用量，不能退款。", "en": "This package has already paid for usage, so it cannot be refunded."},
    "refund:before_purchase": {"zh": "退款时间早于购买时间。", "en": "A package cannot be refunded before it was bought."},
    "not_found": {"zh": "找不到该对象。", "en": "There is no such thing here."},
    "invalid_request": {"zh": "输入有误：{message}", "en": "That input is not valid: {message}"},
    "insufficient_funds": {"zh": "余额不足：代金券与现金余额（含信用额度）不足以支付，未购买任何资源包。请先充值。",
                           "en": "Not enough funds: vouchers and cash (down to the credit limit) cannot pay for this; nothing was bought. Top up first."},
    "conflict": {"zh": "冲突：{message}", "en": "Conflict: {message}"},
}


def t(lang: str, key: str, **values) -> str:
    text = TEXT[key][lang if lang in LANGS else "zh"]
    return text.format(**values) if values else text


def error_sentence(lang: str, exc: Exception) -> str:
    """A refusal of the rules as a sentence in the chosen language."""
    lang = lang if lang in LANGS else "zh"
    if isinstance(exc, UnknownSku):
        return ERRORS["unknown_sku"][lang]
    if isinstance(exc, BillingError):
        reason = (exc.details or {}).get("reason") if isinstance(exc.details, dict) else None
        key = f"refund:{reason}" if exc.code == "refund_not_allowed" and reason else exc.code
        if key in ERRORS:
            return ERRORS[key][lang].format(message=exc.message)
        return exc.message
    return str(exc)
