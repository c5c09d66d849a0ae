"""The core stays pure: no storage, web, CLI or I/O library is imported by domain/, and no clock is read."""

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "src" / "packbill" / "domain"
FORBIDDEN = {"sqlalchemy", "fastapi", "starlette", "typer", "rich", "uvicorn", "psycopg", "alembic", "httpx",
             "jinja2", "requests", "socket", "sqlite3", "subprocess", "os", "time"}
FORBIDDEN_PACKBILL = ("packbill.storage", "packbill.services", "packbill.api", "packbill.cli", "packbill.console", "packbill.demo")


def test_domain_imports_nothing_outside_the_core():
    for path in DOMAIN.glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
                assert not name.startswith(FORBIDDEN_PACKBILL) and not name.startswith(".."), f"{path.name} imports {name}"


def test_domain_never_reads_the_clock():
    for path in DOMAIN.glob("*.py"):
        text = path.read_text("utf-8")
        for call in ("datetime.now(", "date.today(", "datetime.utcnow(", "time.time("):
            assert call not in text, f"{path.name} reads the clock ({call})"
