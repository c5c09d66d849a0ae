"""R33: invoice requests as the operator's batch export: one row per invoice line (the buyer's name
and code, the item 信息技术服务*…, amount, rate, net, tax), as XLSX (openpyxl) or CSV."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from decimal import Decimal

from openpyxl import Workbook

from ..domain.days import SHANGHAI
from ..domain.invoice import ITEM_NAME
from . import money_json
from .spreadsheet import cell, writer
from .words import words

HEAD = words("invoice_export")


def _rows(requests: Iterable, titles: Mapping[str, object], lang: str) -> list[list]:
    out = []
    for r in requests:
        t = titles.get(r.title_id) if r.title_id else None
        out.append([r.id, r.account_id, HEAD[f"kind_{r.kind}"][lang], getattr(t, "name", ""), getattr(t, "tax_id", ""),
                    HEAD[f"type_{t.type.value}"][lang] if t is not None else "", getattr(t, "address", ""), getattr(t, "phone", ""),
                    getattr(t, "bank", ""), getattr(t, "bank_account", ""), ITEM_NAME, r.split.amount, r.rate, r.split.net, r.split.tax,
                    ",".join(r.reverses), r.requested_at.date().isoformat()])
    return out


COLUMNS = ("request", "account", "kind", "buyer", "tax_id", "type", "address", "phone", "bank", "bank_account", "item", "amount",
           "rate", "net", "tax", "reverses", "requested_on")
MONEY = {"amount", "net", "tax"}


def requests_xlsx(requests: Iterable, titles: Mapping[str, object], lang: str = "zh") -> bytes:
    """The requests as a workbook: amounts as numbers with two decimals, text cells as text."""
    book = Workbook()
    sheet = book.active
    sheet.title = HEAD["sheet"][lang]
    sheet.append([HEAD[c][lang] for c in COLUMNS])
    for row in _rows(requests, titles, lang):
        sheet.append([float(v) if isinstance(v, Decimal) and c in MONEY else str(v) if isinstance(v, Decimal) else v
                      for c, v in zip(COLUMNS, row, strict=True)])
    for line in sheet.iter_rows(min_row=2):
        for c, target in zip(COLUMNS, line, strict=True):
            if c in MONEY:
                target.number_format = "0.00"
            elif isinstance(target.value, str):
                target.data_type = "s"  # text, never a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def requests_csv(requests: Iterable, titles: Mapping[str, object], lang: str = "zh") -> str:
    stream = io.StringIO()
    w = writer(stream)
    w.writerow(HEAD[c][lang] for c in COLUMNS)
    w.writerows([[cell(str(v)) for v in row] for row in _rows(requests, titles, lang)])
    return stream.getvalue()


def title_json(t) -> dict:
    """An invoice title (``services.invoicing.TitleRow``) as the API writes it."""
    x = t.title
    return {"id": t.id, "type": x.type.value, "name": x.name, "tax_id": x.tax_id, "address": x.address, "phone": x.phone,
            "bank": x.bank, "bank_account": x.bank_account}


def request_json(r) -> dict:
    """An invoice request (``services.invoicing.RequestRow``) as the API writes it."""
    return {"id": r.id, "account_id": r.account_id, "kind": r.kind, "title_id": r.title_id, "amount": money_json(r.split.amount),
            "net": money_json(r.split.net), "tax": money_json(r.split.tax), "rate": str(r.rate), "status": r.status.value,
            "number": r.number, "reason": r.reason, "reverses": list(r.reverses),
            "requested_at": r.requested_at.astimezone(SHANGHAI).isoformat(),
            "decided_at": r.decided_at.astimezone(SHANGHAI).isoformat() if r.decided_at else None}
