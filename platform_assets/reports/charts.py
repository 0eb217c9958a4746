"""The report's charts, drawn with matplotlib: inline SVG for the page, PNG for the UI preview.

matplotlib's object API (``Figure``, no pyplot) keeps no global state, so rendering is safe in
any process. It is imported when the first chart is drawn, not when the code location loads
(every module of ``reports`` is imported then, and matplotlib costs 1-2 s of every load).
SVG text stays text (``svg.fonttype: none``): the page is smaller, its numbers can be searched and
copied, and the viewer's own sans-serif font draws it, so nothing is fetched at view time. Ids
and metadata are fixed, so the same figures give the same bytes.

A channel has the same colour in every chart (its place in the sorted list of all channels).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from platform_assets.reports.data import ATTRIBUTION_MODELS, MOVEMENTS, STAGES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "roundtrip-report",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e4e4e4",
    "axes.axisbelow": True,
}
_PALETTE = (
    # matplotlib's tab20: the strong shades first, then the light ones
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
    "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
)  # fmt: skip
_MOVEMENT_COLOURS = {
    "new_mrr": "#2e7d32",
    "expansion_mrr": "#81c784",
    "reactivation_mrr": "#4fc3f7",
    "contraction_mrr": "#ffb74d",
    "churned_mrr": "#e53935",
}
_MODEL_COLOURS = dict(
    # matplotlib's Set2
    zip(
        ATTRIBUTION_MODELS,
        ("#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494"),
        strict=True,
    )
)


def _money(value: float, _position: object = None) -> str:
    return f"{value:,.0f}"


def _percent(value: float, _position: object = None) -> str:
    return f"{value:.0%}"


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        yield


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def channel_colours(channels: Iterable[str]) -> dict[str, str]:
    """One colour per channel, stable for a given set of channels."""
    return {channel: _PALETTE[i % len(_PALETTE)] for i, channel in enumerate(sorted(set(channels)))}


def funnel(by_channel: pd.DataFrame, colours: dict[str, str]) -> Figure:
    """Each funnel stage as a bar split by the channel people first came from."""
    with _style():
        figure = _figure(9, 3.6)
        axes = figure.add_subplot()
        stages = list(STAGES.values())[::-1]
        left = np.zeros(len(stages))
        for row in by_channel.itertuples(index=False):
            counts = np.array([float(getattr(row, column)) for column in list(STAGES)[::-1]])
            axes.barh(stages, counts, left=left, color=colours[row.channel], label=row.channel)
            left = left + counts
        for y, total in enumerate(left):
            axes.annotate(
                f"{total:,.0f}", (total, y), xytext=(4, 0), textcoords="offset points", va="center"
            )
        axes.set_xlabel("people (signups by first channel)")
        axes.grid(axis="y", visible=False)
        axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
    return figure


def mrr(monthly: pd.DataFrame) -> Figure:
    """MRR at each month's end above the movements that changed it (gains up, losses down)."""
    labels = month_labels(monthly.month_start, monthly.is_as_of_month)
    positions = range(len(labels))
    with _style():
        figure = _figure(9, 5)
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        top.plot(positions, monthly.mrr, marker="o", color="#1a237e")
        top.fill_between(positions, monthly.mrr, color="#1a237e", alpha=0.08)
        for x, value in zip(positions, monthly.mrr, strict=True):
            top.annotate(
                f"{value:,.0f}",
                (x, value),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
        top.set_ylabel("MRR")
        top.yaxis.set_major_formatter(_money)
        top.set_ylim(bottom=0, top=max(float(monthly.mrr.max()), 1.0) * 1.15)
        stacked = {"gains": np.zeros(len(labels)), "losses": np.zeros(len(labels))}
        for column, name in MOVEMENTS.items():
            values = monthly[column].to_numpy(dtype=float)
            side = "gains" if (values >= 0).all() else "losses"
            bottom.bar(
                positions, values, bottom=stacked[side], color=_MOVEMENT_COLOURS[column], label=name
            )
            stacked[side] = stacked[side] + values
        bottom.plot(
            positions,
            monthly.net_new_mrr,
            marker="_",
            markersize=14,
            linestyle="none",
            color="black",
            label="Net new",
        )
        bottom.axhline(0, color="#555555", linewidth=0.8)
        bottom.set_ylabel("MRR movements")
        bottom.yaxis.set_major_formatter(_money)
        bottom.set_xticks(list(positions), labels)
        bottom.legend(loc="upper left", ncols=6, frameon=False, fontsize=8)
        bottom.set_ylim(top=float(stacked["gains"].max()) * 1.35 or 1.0)
    return figure


def cac_and_roas(cac: pd.DataFrame, roas: pd.DataFrame, colours: dict[str, str]) -> Figure:
    """CAC per channel (cost per new customer, lower is better) beside ROAS per channel
    (attributed revenue per unit of ad spend, above 1 pays back)."""
    cac = cac.dropna(subset=["cac"]).sort_values("cac")
    roas = roas.dropna(subset=["roas"]).sort_values("roas")
    with _style():
        figure = _figure(9, 3.4)
        left, right = figure.subplots(1, 2)
        _hbars(left, cac.channel, cac.cac, colours, "{:,.0f}")
        left.set_title("CAC (acquisition cost ÷ new customers)", loc="left", fontsize=9)
        left.xaxis.set_major_formatter(_money)
        _hbars(right, roas.channel, roas.roas, colours, "{:.2f}×")
        right.axvline(1, color="#555555", linewidth=0.8, linestyle="--")
        right.set_title("ROAS (attributed revenue ÷ ad spend)", loc="left", fontsize=9)
    return figure


def attribution(shares: pd.DataFrame) -> Figure:
    """Each channel's share of conversions under the seven attribution models, side by side."""
    count = len(ATTRIBUTION_MODELS)
    width = 0.8 / count
    with _style():
        figure = _figure(9, 3.8)
        axes = figure.add_subplot()
        for i, model in enumerate(ATTRIBUTION_MODELS):
            offsets = [x - 0.4 + width * (i + 0.5) for x in range(len(shares))]
            axes.bar(offsets, shares[model], width=width, color=_MODEL_COLOURS[model], label=model)
        axes.set_xticks(range(len(shares)), shares.channel, rotation=30, ha="right")
        axes.yaxis.set_major_formatter(_percent)
        axes.set_ylabel("share of conversions")
        axes.grid(axis="x", visible=False)
        axes.legend(ncols=count, loc="upper left", frameon=False, fontsize=8)
        axes.set_ylim(top=float(shares[list(ATTRIBUTION_MODELS)].max().max()) * 1.2 or 1.0)
    return figure


def month_labels(months: Sequence, in_progress: Sequence[bool]) -> list[str]:
    """``Jun 2026``; the in-progress month gets ``*`` (to date)."""
    return [
        f"{pd.Timestamp(month):%b %Y}{'*' if partial else ''}"
        for month, partial in zip(months, in_progress, strict=True)
    ]


def svg(figure: Figure) -> str:
    """The figure as an ``<svg>`` element to inline in HTML (no XML prolog, no doctype)."""
    buffer = io.StringIO()
    with _style():
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def png(figure: Figure, dpi: int = 80) -> bytes:
    """The figure as PNG bytes (for the UI preview: small, a few tens of kB)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def _hbars(
    axes: Axes, labels: pd.Series, values: pd.Series, colours: dict[str, str], label: str
) -> None:
    axes.barh(list(labels), list(values), color=[colours.get(c, "#888888") for c in labels])
    for y, value in enumerate(values):
        axes.annotate(
            label.format(value),
            (value, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    axes.grid(axis="y", visible=False)
    axes.margins(x=0.18)
