"""Markdown a Dagster UI renders in asset metadata: tables and text bar charts.

The UI renders ``MetadataValue.md`` but no images from the warehouse, so charts are bars of
Unicode block characters in a code block: monospaced, they line up in every browser and in a
terminal, and they need no plotting library at run time.
"""

from collections.abc import Callable, Mapping

import pandas as pd

_EIGHTHS = " ▏▎▍▌▋▊▉"
"""Partial blocks, 0/8 to 7/8 of a character cell: bars resolve to an eighth of a cell."""

Format = Callable[[object], str]


def percent(value: object) -> str:
    """A share (0..1) as a percentage with one decimal; blank when missing."""
    return "" if pd.isna(value) else f"{float(value):.1%}"


def number(value: object) -> str:
    """A figure with two decimals and thousands separators; blank when missing."""
    return "" if pd.isna(value) else f"{float(value):,.2f}"


def markdown_table(frame: pd.DataFrame, formats: Mapping[str, Format] | None = None) -> str:
    """``frame`` as a GitHub-flavoured markdown table; ``formats`` maps a column to how its
    values print (default ``str``); numeric columns are right-aligned."""
    formats = formats or {}
    columns = list(frame.columns)
    header = "| " + " | ".join(columns) + " |"
    align = (
        "|"
        + "|".join("---:" if pd.api.types.is_numeric_dtype(frame[c]) else "---" for c in columns)
        + "|"
    )
    rows = [
        "| "
        + " | ".join(formats.get(c, str)(value) for c, value in zip(columns, row, strict=True))
        + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, align, *rows])


def bar(value: float, full_scale: float, width: int) -> str:
    """A bar of ``value`` where ``full_scale`` fills ``width`` cells (negative values: none)."""
    if full_scale <= 0 or value <= 0:
        return ""
    whole, rest = divmod(round(value / full_scale * width * 8), 8)
    return "█" * whole + (_EIGHTHS[rest] if rest else "")


def bar_chart(
    groups: Mapping[str, Mapping[str, float]], label: Format = percent, width: int = 40
) -> str:
    """Grouped horizontal bars as a markdown code block: a heading line per group (a channel, or
    one title), a bar per series (a model, or a channel) under it, all on one scale (the largest
    value fills ``width``) so bars compare across groups."""
    values = [value for series in groups.values() for value in series.values()]
    full_scale = max(values, default=0.0)
    name_width = max((len(name) for series in groups.values() for name in series), default=0)
    lines: list[str] = []
    for group, series in groups.items():
        lines.append(group)
        for name, value in series.items():
            drawn = bar(value, full_scale, width)
            lines.append(f"  {name:<{name_width}}  {drawn:<{width}}  {label(value)}")
    return "```\n" + "\n".join(lines) + "\n```"
