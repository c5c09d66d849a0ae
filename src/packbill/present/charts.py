"""Small, dependency-free SVG charts. They render anywhere, offline, and print well."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from html import escape

from ..domain.catalog import BANDWIDTH_SERVICES, TRAFFIC_SERVICES
from ..domain.money import BYTES_PER_GB

PALETTE = ["#2563eb", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563"]
PAYG = "#dc2626"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def _fmt(value: float) -> str:
    if value < 0:
        return "-" + _fmt(-value)
    if value >= 1e9:
        return f"{value / 1e9:g}G"
    if value >= 1e6:
        return f"{value / 1e6:g}M"
    if value >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def _text_width(label: str) -> int:
    """Roughly how wide a label is at 11px: Chinese characters are about twice as wide."""
    return sum(11 if ord(ch) >= 0x2E80 else 7 for ch in label)


def _frame(title: str, width: int, height: int, body: list[str], legend: Sequence[tuple[str, str]]) -> str:
    items = []
    x = 60
    for label, colour in legend:
        items.append(f'<rect x="{x}" y="{height - 18}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="{height - 9}" font-size="11">{escape(label)}</text>')
        x += 24 + _text_width(label)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px;font-family:system-ui,sans-serif">'
        f'<title>{escape(title)}</title><text x="{width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">{escape(title)}</text>'
        + "".join(body) + "".join(items) + "</svg>"
    )


def _axes(labels: Sequence[str], top: float, width: int, height: int, plot: tuple[int, int, int, int], unit: str,
          bottom: float = 0.0) -> list[str]:
    left, right, upper, lower = plot
    zero = lower - (lower - upper) * (0 - bottom) / (top - bottom)
    out = [f'<line x1="{left}" y1="{zero:.1f}" x2="{right}" y2="{zero:.1f}" stroke="#999"/>']
    for i in range(5):
        value = bottom + (top - bottom) * i / 4
        y = lower - (lower - upper) * i / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#eee"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{_fmt(value)}</text>')
    out.append(f'<text x="12" y="{upper - 6}" font-size="10">{escape(unit)}</text>')
    step = max(1, len(labels) // 10)
    slot = (right - left) / max(1, len(labels))
    for i, label in enumerate(labels):
        if i % step == 0:
            x = left + slot * (i + 0.5)
            out.append(f'<text x="{x:.1f}" y="{lower + 14}" font-size="10" text-anchor="middle">{escape(label)}</text>')
    return out


def stacked_bars(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    unit: str = "",
    colours: Mapping[str, str] | None = None,
    width: int = 760,
    height: int = 280,
) -> str:
    """Bars per label, each stacked from the series in order (e.g. packages, then pay-as-you-go)."""
    names, colours = _coloured(series, colours)
    totals = [sum(series[n][i] for n in names) for i in range(len(labels))]
    top = _nice_max(max(totals, default=0))
    plot = (60, width - 10, 30, height - 40)
    left, right, upper, lower = plot
    body = _axes(labels, top, width, height, plot, unit)
    slot = (right - left) / max(1, len(labels))
    for i in range(len(labels)):
        y = lower
        for name in names:
            value = series[name][i]
            if value <= 0:
                continue
            h = (lower - upper) * value / top
            y -= h
            body.append(f'<rect x="{left + slot * i + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                        f'fill="{colours[name]}"><title>{escape(labels[i])} {escape(name)}: {value:,.0f}</title></rect>')
    return _frame(title, width, height, body, [(n, colours[n]) for n in names])


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    unit: str = "",
    colours: Mapping[str, str] | None = None,
    width: int = 760,
    height: int = 280,
) -> str:
    """One line per series; None leaves a gap (e.g. before a package was bought)."""
    names, colours = _coloured(series, colours)
    values = [v for n in names for v in series[n] if v is not None]
    top = _nice_max(max(values, default=0))
    low = min(values, default=0)
    bottom = -_nice_max(-low) if low < 0 else 0.0  # a balance below zero shows below the axis
    plot = (60, width - 10, 30, height - 40)
    left, right, upper, lower = plot
    body = _axes(labels, top, width, height, plot, unit, bottom)
    slot = (right - left) / max(1, len(labels))
    legend = []
    for name in names:
        colour = colours[name]
        legend.append((name, colour))
        points, segments = [], []
        for i, value in enumerate(series[name]):
            if value is None:
                if points:
                    segments.append(points)
                points = []
                continue
            points.append(f"{left + slot * (i + 0.5):.1f},{lower - (lower - upper) * (value - bottom) / (top - bottom):.1f}")
        if points:
            segments.append(points)
        for seg in segments:
            body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(seg)}"/>')
    return _frame(title, width, height, body, legend)


def drawn_vs_payg(lines: Iterable, days: Sequence[date], names: Mapping[str, str], payg_label: str,
                  seed: Mapping[str, Sequence[str]] | None = None) -> dict[str, dict[str, list[float]]]:
    """The one definition of the chart of usage drawn from each package against pay-as-you-go:
    per usage service, each package's drawn quantity a day (named by ``names``) and the
    pay-as-you-go quantity, last; traffic in GB, calls as they are; daily peak bandwidth has no
    such chart. ``seed``: per service, the packages shown even on days they drew nothing."""
    index = {d: i for i, d in enumerate(days)}
    out: dict[str, dict[str, list[float]]] = defaultdict(dict)
    for service, package_names in (seed or {}).items():
        for name in package_names:
            out[service][name] = [0.0] * len(days)
    for line in lines:
        if line.service in BANDWIDTH_SERVICES or line.day not in index:
            continue
        scale = BYTES_PER_GB if line.service in TRAFFIC_SERVICES else 1
        series = out[line.service]
        for d in line.drawn:
            series.setdefault(names.get(d.package_id, d.package_id), [0.0] * len(days))[index[line.day]] += d.quantity / scale
        series.setdefault(payg_label, [0.0] * len(days))[index[line.day]] += line.payg_quantity / scale
    for series in out.values():
        series[payg_label] = series.pop(payg_label, [0.0] * len(days))
    return dict(out)


def _coloured(series: Mapping[str, Sequence[object]], colours: Mapping[str, str] | None) -> tuple[list[str], dict[str, str]]:
    """The series' names in order, each with its colour: the one given, else the palette's in turn."""
    names = list(series)
    given = dict(colours or {})
    return names, {name: given.get(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(names)}
