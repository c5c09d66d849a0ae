"""The layers are a fact, not a wish: each package imports only the layers below it.

domain      nothing of packbill outside it (tests/domain/test_purity.py also bans I/O and the clock)
process     nothing of packbill (the process's counters, logs, collector pause, background loop)
storage     domain
services    domain, storage, process
present     domain
pdf         nothing of packbill (HTML in, PDF out, by a browser)
api, console, demo   services, domain, present, pdf (never each other, never storage); api also process (its logs)
stream      services, domain (the NATS consumer: an edge like the API)
cli         services, domain, present, pdf, stream, and the composition root (settings, server)
"""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "packbill"
ALLOWED = {
    "domain": {"domain"},
    "process": {"process"},
    "storage": {"domain", "storage"},
    "services": {"domain", "storage", "services", "process"},
    "present": {"domain", "present"},
    "api": {"services", "domain", "present", "pdf", "api", "process"},
    "console": {"services", "domain", "present", "pdf", "console"},
    "demo": {"services", "domain", "present", "demo"},
    "cli": {"services", "domain", "present", "pdf", "cli", "settings", "server", "stream", "client"},
    "stream": {"services", "domain", "stream"},
    "client": {"api", "client"},
}


def packbill_imports(path: Path, root: Path = SRC) -> set[str]:
    """The packbill packages (first part below packbill) that a module imports."""
    package = path.relative_to(root).parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[:-1])[: len(package) - node.level]
                parts = base + (node.module.split(".") if node.module else [])
                if not parts:  # "from .. import x": the names are packages
                    parts = [node.names[0].name]
                found.add(parts[0])
            elif node.module and node.module.startswith("packbill."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("packbill."))
    return found


def test_every_layer_imports_only_the_layers_below_it():
    problems = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((SRC / layer).rglob("*.py")):
            for name in packbill_imports(path) - allowed:
                problems.append(f"{path.relative_to(SRC)} imports packbill.{name}")
    assert problems == []


def test_the_layer_check_sees_a_wrong_import(tmp_path):
    (tmp_path / "domain").mkdir()
    bad = tmp_path / "domain" / "probe.py"
    bad.write_text("from ..storage import db\nfrom ..api.deps import Deps\nimport packbill.cli\nfrom . import money\n")
    assert packbill_imports(bad, tmp_path) == {"storage", "api", "cli", "domain"}


def test_the_pdf_printer_imports_nothing_of_packbill():
    assert packbill_imports(SRC / "pdf.py") == set()


ENVIRONMENT_READERS = {
    "settings.py": "the one configuration object",
    "process/instruments.py": "prometheus_client keeps its multiprocess directory in the environment (PROMETHEUS_MULTIPROC_DIR)",
}


def test_only_the_settings_read_the_environment():
    """Issue 20: configuration is read once, into Settings; nothing else reads os.environ."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        name = str(path.relative_to(SRC))
        if name in ENVIRONMENT_READERS:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
                found.append(f"{name}:{node.lineno}")
    assert found == []


def test_ledger_account_names_are_made_only_by_the_chart_of_accounts():
    """Issue 20: ledger accounts were written literally in about 25 places; domain/journal.py
    owns their constructors and prefixes, and every query uses them."""
    import re

    literal = re.compile(r"""["'](?:cash|voucher|deferred|payg|revenue|breakage):""")
    found = [f"{path.relative_to(SRC)}:{n}" for path in sorted(SRC.rglob("*.py")) if path.name != "journal.py"
             for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if literal.search(line)]
    assert found == []


STORAGE_MAY_CALL = {
    # converters between the domain's values and stored columns: no rule in them
    "from_fen", "to_fen", "window_bytes_to_bps", "to_us", "from_us", "shanghai_day", "day_start", "month_start",
    "month_end", "next_month",
    # the guard the database shares with intake: a table of limits
    "day_limit",
}


def _domain_names_used_by(path: Path) -> set[str]:
    """The domain names a storage module imports (``from ..domain.x import name``), and for a
    module imported whole (``from ..domain import journal``) the names used on it."""
    tree = ast.parse(path.read_text("utf-8"))
    names, modules = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 2 and (node.module or "").split(".")[0] == "domain":
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                try:
                    __import__(f"packbill.{target}")
                    modules.add(alias.asname or alias.name)
                except ImportError:
                    names.add(target)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            names.add(f"domain.{node.value.id}.{node.attr}")
    return names


def test_storage_takes_no_business_decision():
    """Issue 20: storage writes and reads what the domain decided; it may use the domain's types,
    constants and the chart of accounts' constructors, and call only plain converters, never a rule
    (a status, a statement month, who wants an event)."""
    import importlib
    import inspect

    calls = []
    for path in sorted((SRC / "storage").rglob("*.py")):
        for dotted in _domain_names_used_by(path):
            module, _, name = dotted.rpartition(".")
            obj = getattr(importlib.import_module(f"packbill.{module}"), name)
            if inspect.isfunction(obj) and name not in STORAGE_MAY_CALL and not module.endswith("journal"):
                calls.append(f"{path.relative_to(SRC)} uses {dotted}")
    assert calls == []


def _private_names_taken(path: Path, root: Path = SRC) -> list[str]:
    """Private names (``_x``) a module takes from another packbill module, by import or attribute."""
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("packbill")):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.relative_to(root)}:{node.lineno} imports {alias.name}")
                modules.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            found.append(f"{path.relative_to(root)}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_no_module_takes_another_modules_private_names():
    """Issue 20: the CLI's modules imported app.py's private helpers; what modules share is public."""
    assert [f for path in sorted(SRC.rglob("*.py")) if "migrations" not in path.parts for f in _private_names_taken(path)] == []


def test_the_private_name_check_sees_one(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from .app import _ctx\nfrom . import wallet as wallet_store\nwallet_store._new_ids(1)\n")
    assert len(_private_names_taken(probe, tmp_path)) == 2



FACES = {
    "services": "the use cases: the edges call them through the package (``from ..services import books``)",
    "api.schemas": "the API's bodies, one module per resource behind the package",
    "console": "``console.install`` puts the pages on an app",
    "cli": "``cli.app`` and ``cli.run``",
    "stream": "``stream.Consumer``",
    "client": "``client.Client`` and ``client.AsyncClient``",
}
"""Packages whose ``__init__`` is the way in: no module outside one imports from a module inside
it. Every other package has no face (its ``__init__`` defines nothing): ``domain``, ``storage``,
``process``, ``present`` keeps its helpers in ``__init__`` itself."""


def _deep_imports(path: Path, root: Path = SRC) -> list[str]:
    """``from <face>.<module> import ...`` in a module outside the face."""
    rel = path.relative_to(root)
    package = list(rel.parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            parts = package[: len(package) - node.level + 1] + (node.module.split(".") if node.module else [])
        elif node.module and node.module.startswith("packbill."):
            parts = node.module.split(".")[1:]
        else:
            continue
        dotted, here = ".".join(parts), ".".join(package)
        for face in FACES:
            if dotted.startswith(face + ".") and not (here == face or here.startswith(face + ".")):
                found.append(f"{rel}:{node.lineno} imports from {dotted}")
    return found


def test_a_package_with_a_face_is_entered_only_through_it():
    """Issue 20: package faces are either the way in (kept so here) or gone."""
    assert [f for path in sorted(SRC.rglob("*.py")) for f in _deep_imports(path)] == []


def test_a_package_without_a_face_defines_nothing_in_its_init():
    for name in ("domain", "storage", "process"):
        tree = ast.parse((SRC / name / "__init__.py").read_text("utf-8"))
        assert all(isinstance(n, ast.Expr) for n in tree.body), f"{name}/__init__.py is not empty: import from its modules"


def test_the_face_check_sees_a_deep_import(tmp_path):
    (tmp_path / "api").mkdir()
    probe = tmp_path / "api" / "probe.py"
    probe.write_text("from ..services.lockout import Lockout\nfrom ..services import books\n")
    assert len(_deep_imports(probe, tmp_path)) == 1
