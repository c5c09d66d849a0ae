"""Small, dependency-free SVG charts. They render anywhere, offline, and print well."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from html import escape

from ..domain.catalog import BANDWIDTH_SERVICES, TRAFFIC_SERVICES
from ..domain.money import BYTES_PER_GB

PALETTE = ["#2563eb", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563"]
PAYG = "#dc2626"


def _scale(low: float, high: float) -> tuple[float, float, float]:
    """The axis from ``low`` to ``high`` (zero always on it): its bottom, its top and a tick step
    of 1, 2 or 5 times a power of ten, so that every tick reads as a round number (500, 1,000,
    1,500, never 625) and there are at most six steps."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low < 1e-4:  # nothing to show: figures here are calls, GB, Mbps and money
        return 0.0, 1.0, 0.2
    magnitude = 10.0 ** math.floor(math.log10((high - low) / 6))
    for step in (m * magnitude for m in (1, 2, 5, 10, 20)):
        bottom, top = math.floor(low / step) * step, math.ceil(high / step) * step
        if round((top - bottom) / step) <= 6:
            return bottom, top, step
    raise AssertionError("unreachable: twenty times a sixth of the span takes at most six steps")


def _fmt(value: float) -> str:
    """A tick's label: digits grouped by thousands up to 999,999 (read alike in Chinese and
    English), then M and G."""
    if value < 0:
        return "-" + _fmt(-value)
    if value >= 1e9:
        return f"{value / 1e9:g}G"
    if value >= 1e6:
        return f"{value / 1e6:g}M"
    return f"{round(value, 6):,g}"


def _text_width(label: str) -> int:
    """Roughly how wide a label is at 11px: Chinese characters are about twice as wide."""
    return sum(11 if ord(ch) >= 0x2E80 else 7 for ch in label)


def _frame(title: str, width: int, height: int, body: list[str], legend: Sequence[tuple[str, str]]) -> str:
    """The chart with its title, and its legend below it, in as many rows as its names need."""
    items = []
    x, row = 60, 0
    for label, colour in legend:
        room = 24 + _text_width(label)
        if x > 60 and x + room > width:
            x, row = 60, row + 1
        y = height - 18 + 16 * row
        items.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="{y + 9}" font-size="11">{escape(label)}</text>')
        x += room
    height += 16 * row
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px;font-family:system-ui,sans-serif">'
        f'<title>{escape(title)}</title><text x="{width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">{escape(title)}</text>'
        + "".join(body) + "".join(items) + "</svg>"
    )


def _axes(labels: Sequence[str], scale: tuple[float, float, float], plot: tuple[int, int, int, int], unit: str) -> list[str]:
    left, right, upper, lower = plot
    bottom, top, step = scale

    def y_of(value: float) -> float:
        return lower - (lower - upper) * (value - bottom) / (top - bottom)

    out = [f'<line x1="{left}" y1="{y_of(0):.1f}" x2="{right}" y2="{y_of(0):.1f}" stroke="#999"/>']
    for i in range(round((top - bottom) / step) + 1):
        value = bottom + step * i
        out.append(f'<line x1="{left}" y1="{y_of(value):.1f}" x2="{right}" y2="{y_of(value):.1f}" stroke="#eee"/>'
                   f'<text x="{left - 6}" y="{y_of(value) + 4:.1f}" font-size="10" text-anchor="end">{_fmt(value)}</text>')
    out.append(f'<text x="12" y="{upper - 12}" font-size="10">{escape(unit)}</text>')
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
    scale = _scale(0.0, max(totals, default=0))
    top = scale[1]
    plot = (60, width - 10, 30, height - 40)
    left, right, upper, lower = plot
    body = _axes(labels, scale, plot, unit)
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
    scale = _scale(min(values, default=0), max(values, default=0))  # a balance below zero shows below the axis
    bottom, top, _ = scale
    plot = (60, width - 10, 30, height - 40)
    left, right, upper, lower = plot
    body = _axes(labels, scale, plot, unit)
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
