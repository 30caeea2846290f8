"""Bar charts as inline SVG, computed in Python (no JavaScript in a PDF pipeline).

Units of the viewBox are 0.1 mm, so the chart prints at its nominal size in millimetres.
Labels come from snapshots, so every string is escaped here (the result is trusted markup).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#c00000", "#1f4e79", "#7f7f7f", "#bf8f00")
FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', sans-serif"


def nice_ceiling(value: float, ticks: int = 5) -> tuple[float, float]:
    """An axis maximum ≥ value and a round tick step (1, 2, 2.5, 5 × 10ⁿ)."""
    if value <= 0:
        return float(ticks), 1.0
    raw = value / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if step >= 1:
        step = float(math.ceil(step))
    return step * math.ceil(value / step), step


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart_svg(title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
                  *, width_mm: float = 156, height_mm: float = 70) -> Markup:
    """A grouped bar chart: one group per category, one bar per series, values above the bars."""
    w, h = width_mm * 10, height_mm * 10
    left, right, top, bottom = 90.0, 20.0, 95.0, 70.0
    plot_w, plot_h = w - left - right, h - top - bottom
    peak = max((v for _, values in series for v in values), default=0)
    axis_max, step = nice_ceiling(peak)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width_mm}mm" '
           f'height="{height_mm}mm" viewBox="0 0 {w:.0f} {h:.0f}" font-family="{FONT}">',
           f'<text x="{w / 2:.0f}" y="42" font-size="40" font-weight="bold" text-anchor="middle">'
           f'{escape(title)}</text>']
    # legend
    x = left
    for index, (label, _) in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        out.append(f'<rect x="{x:.0f}" y="58" width="36" height="22" fill="{color}"/>'
                   f'<text x="{x + 44:.0f}" y="78" font-size="30">{escape(label)}</text>')
        x += 60 + 32 * len(label)
    # grid and y axis
    tick = 0.0
    while tick <= axis_max + 1e-9:
        y = top + plot_h - plot_h * tick / axis_max
        out.append(f'<line x1="{left:.0f}" y1="{y:.1f}" x2="{w - right:.0f}" y2="{y:.1f}" '
                   f'stroke="#bfbfbf" stroke-width="{2 if tick else 3}"/>'
                   f'<text x="{left - 10:.0f}" y="{y + 10:.1f}" font-size="28" text-anchor="end">'
                   f'{_num(tick)}</text>')
        tick += step
    # bars
    group_w = plot_w / max(len(categories), 1)
    bar_w = min(group_w * 0.7 / max(len(series), 1), 90.0)
    for ci, category in enumerate(categories):
        x0 = left + ci * group_w + (group_w - bar_w * len(series)) / 2
        for si, (_, values) in enumerate(series):
            value = values[ci]
            bar_h = plot_h * value / axis_max if axis_max else 0
            x = x0 + si * bar_w
            y = top + plot_h - bar_h
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w * 0.92:.1f}" height="{bar_h:.1f}" '
                       f'fill="{PALETTE[si % len(PALETTE)]}"/>'
                       f'<text x="{x + bar_w * 0.46:.1f}" y="{y - 8:.1f}" font-size="26" '
                       f'text-anchor="middle">{_num(value)}</text>')
        size = min(30.0, group_w / max(len(category), 1) * 0.95)
        out.append(f'<text x="{left + (ci + 0.5) * group_w:.1f}" y="{top + plot_h + 40:.1f}" '
                   f'font-size="{size:.1f}" text-anchor="middle">{escape(category)}</text>')
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every interpolated string is escaped above
