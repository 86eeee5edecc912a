"""Charts drawn on the server as SVG text (no script, no internet, no CDN): progress over time as a line,
throughput as bars, and the colour of a coverage cell in the heat table. Pure: no Django import; labels
come in already written (Vietnamese numbers and dd/mm dates), every text is XML-escaped."""

from __future__ import annotations

from xml.sax.saxutils import escape

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 220, 48, 28, 12


def heat_colour(ratio: float) -> str:
    """Red (0 %) through amber to green (100 %), as an HSL colour for a table cell's background."""
    ratio = min(max(ratio, 0.0), 1.0)
    return f"hsl({round(ratio * 120)}, 70%, {round(88 - ratio * 18)}%)"


def _frame(title: str, top_label: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title, {chr(34): "&quot;"})}" class="chart">'
        f"<title>{escape(title)}</title>"
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - 8}" y2="{HEIGHT - BOTTOM}" stroke="#888"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" stroke="#888"/>'
        f'<text x="{LEFT - 4}" y="{TOP + 10}" text-anchor="end" font-size="11">{escape(top_label)}</text>'
        f'<text x="{LEFT - 4}" y="{HEIGHT - BOTTOM}" text-anchor="end" font-size="11">0</text>'
        + "".join(body)
        + "</svg>"
    )


def line_chart(points: list[tuple[str, float]], *, title: str, top: float, top_label: str,
               target: float | None = None) -> str:  # fmt: skip
    """``points`` (label, value) left to right; ``top`` the value at the top of the frame; a dashed line
    at ``target``."""
    body: list[str] = []
    top = top or 1
    inner_w, inner_h = WIDTH - LEFT - 16, HEIGHT - BOTTOM - TOP
    if points:
        step = inner_w / max(len(points) - 1, 1)
        coords = [(LEFT + i * step, HEIGHT - BOTTOM - min(value / top, 1.0) * inner_h)
                  for i, (_label, value) in enumerate(points)]  # fmt: skip
        body.append('<polyline fill="none" stroke="#1b6ec2" stroke-width="2" points="'
                    + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')  # fmt: skip
        every = max(1, len(points) // 6)
        for i, (label, _value) in enumerate(points):
            if i % every == 0 or i == len(points) - 1:
                body.append(f'<text x="{coords[i][0]:.1f}" y="{HEIGHT - 8}" text-anchor="middle" '
                            f'font-size="10">{escape(label)}</text>')  # fmt: skip
    if target:
        y = HEIGHT - BOTTOM - min(target / top, 1.0) * inner_h
        body.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" stroke="#2a8a3a" '
                    f'stroke-dasharray="4 3"/>')  # fmt: skip
    return _frame(title, top_label, body)


def bar_chart(bars: list[tuple[str, float]], *, title: str, top_label: str) -> str:
    """Vertical bars (label, value) left to right, scaled to the largest."""
    body: list[str] = []
    top = max((value for _label, value in bars), default=0) or 1
    inner_w, inner_h = WIDTH - LEFT - 16, HEIGHT - BOTTOM - TOP
    width = inner_w / max(len(bars), 1)
    every = max(1, len(bars) // 8)
    for i, (label, value) in enumerate(bars):
        height = value / top * inner_h
        x = LEFT + i * width + 2
        body.append(f'<rect x="{x:.1f}" y="{HEIGHT - BOTTOM - height:.1f}" width="{max(width - 4, 1):.1f}" '
                    f'height="{height:.1f}" fill="#1b6ec2"><title>{escape(label)}: {escape(str(value))}</title></rect>')  # fmt: skip
        if i % every == 0:
            body.append(f'<text x="{x + width / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="10">'
                        f"{escape(label[:12])}</text>")  # fmt: skip
    return _frame(title, top_label, body)
