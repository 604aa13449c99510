"""Accessible SVG bar charts, drawn on the server. Each chart has a title and a description for
screen readers, every bar its own value as text, and the page shows the same numbers in a table
beside it. No script, no inline style (the CSP forbids it): presentation attributes only."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 360
BAR_AREA = 320
VALUE_WIDTH = 70


def bar_chart(
    *,
    chart_id: str,
    title: str,
    items: list[tuple[str, float]],
    unit: str = "",
    maximum: float | None = None,
) -> SafeString:
    top = max([value for _, value in items] + [maximum or 0, 1])
    height = len(items) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    description = "; ".join(f"{label}: {_number(value)}{unit}" for label, value in items)
    bars = []
    for index, (label, value) in enumerate(items):
        y = GAP + index * (BAR_HEIGHT + GAP)
        bar_width = round(BAR_AREA * value / top) if value else 0
        bars.append(
            (
                LABEL_WIDTH - 8,
                y + BAR_HEIGHT * 0.7,
                label,
                LABEL_WIDTH,
                y,
                bar_width,
                BAR_HEIGHT,
                f"{label}: {_number(value)}{unit}",
                LABEL_WIDTH + bar_width + 6,
                y + BAR_HEIGHT * 0.7,
                f"{_number(value)}{unit}",
            )
        )
    body = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" class="chart-bar"><title>{}</title></rect>'
        '<text x="{}" y="{}" class="chart-value">{}</text>',
        bars,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc"><title id="{}-title">{}</title>'
        '<desc id="{}-desc">{}</desc>{}</svg>',
        width,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        body,
    )


def _number(value: float) -> str:
    if value is None:
        return "–"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}".replace(".", ",")
