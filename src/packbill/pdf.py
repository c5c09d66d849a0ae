"""HTML to PDF with headless Chromium (Debian's ``chromium``; the settings' ``chromium``,
``PACKBILL_CHROMIUM``, names another binary): the statements' PDF is their printable HTML page, printed by a real browser
engine, so that Chinese text, tables and the SVG chart come out as the page shows them.
Nothing is fetched: the page carries its styles and chart inline."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 60


class PdfUnavailable(RuntimeError):
    """No browser to print with, or it failed."""


DEFAULT_CHROMIUM = "/usr/bin/chromium"


def chromium(name: str = DEFAULT_CHROMIUM) -> str | None:
    return name if Path(name).exists() else shutil.which(name) or shutil.which("chromium")


def html_to_pdf(html: str, browser: str = DEFAULT_CHROMIUM) -> bytes:
    binary = chromium(browser)
    if binary is None:
        raise PdfUnavailable("PDF files are printed by Chromium, which is not installed here "
                             "(apt-get install chromium fonts-noto-cjk, or set PACKBILL_CHROMIUM); CSV and JSON work without it")
    with tempfile.TemporaryDirectory(prefix="packbill-pdf-") as tmp:
        page, out = Path(tmp) / "statement.html", Path(tmp) / "statement.pdf"
        page.write_text(html, "utf-8")
        try:
            subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                            f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}", page.as_uri()],
                           check=True, timeout=TIMEOUT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise PdfUnavailable(f"Chromium could not print the page: {exc}") from None
        if not out.exists() or out.stat().st_size == 0:
            raise PdfUnavailable("Chromium printed nothing")
        return out.read_bytes()
