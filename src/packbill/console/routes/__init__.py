"""The console's pages, one module per resource, each a ``router(pages)`` like the API's."""

from __future__ import annotations

from fastapi import APIRouter

from . import account, accounts, bills, buying, catalog, close, controls, invoices, messages, money, operators, packages, prices, revenue, session, statements

MODULES = (session, accounts, account, catalog, buying, money, controls, invoices, packages, bills, statements, revenue, close, prices, operators, messages)
"""Every resource's routes, in the order they are matched."""


def routers(pages) -> list[APIRouter]:
    return [module.router(pages) for module in MODULES]
