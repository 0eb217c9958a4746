"""The stakeholder report as one self-contained HTML page.

Everything the page needs is inside it: the charts are inline SVG, the style is an inline
stylesheet (print-friendly: no navigation on paper, no section split across pages), there are no
scripts, fonts or images from elsewhere, so it opens from a file, an e-mail attachment or a
shared drive with no network.

Each section is a chart, one sentence saying what it shows, and the numbers under it as a table.
A section whose table is not built yet says so instead (the freshness section tells when).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from html import escape

import pandas as pd

from platform_assets.reports import charts
from platform_assets.reports.data import ATTRIBUTION_MODELS, MOVEMENTS, STAGES, ReportData
from platform_assets.reports.mart_freshness import NO_POLICY, TableFreshness, duration

TITLE = "roundtrip stakeholder report"

SECTIONS = {
    "funnel": "Funnel by stage and channel",
    "mrr": "MRR and its movements",
    "cac-roas": "CAC and ROAS by channel",
    "attribution": "Attribution: seven models compared",
    "freshness": "Data freshness",
}
"""Section id → heading, in page order."""

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       color: #1d1d1f; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; }
h2 { border-bottom: 1px solid #d0d0d0; padding-bottom: 0.2rem; margin-top: 2.5rem; }
.as-of { color: #555; margin-top: 0; }
nav ol { columns: 2; padding-left: 1.2rem; }
.kpis { display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 1rem 0; }
.kpi { border: 1px solid #d0d0d0; border-radius: 6px; padding: 0.5rem 0.9rem; min-width: 9rem; }
.kpi .value { font-size: 1.4rem; font-weight: 600; }
.kpi .label { color: #555; font-size: 0.85rem; }
svg { max-width: 100%; height: auto; display: block; margin: 0.5rem 0; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.6rem 0 1rem; }
th, td { padding: 0.2rem 0.6rem; border-bottom: 1px solid #e4e4e4; }
th { text-align: left; background: #f5f5f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td:first-child { white-space: nowrap; }
tr.total td { font-weight: 600; border-top: 1px solid #999; }
.missing { background: #fff4e5; border-left: 4px solid #ff9800; padding: 0.5rem 0.8rem; }
.state { font-weight: 600; padding: 0 0.4rem; border-radius: 3px; }
.state-PASS { background: #e8f5e9; color: #1b5e20; }
.state-WARN { background: #fff8e1; color: #8d6e00; }
.state-FAIL { background: #ffebee; color: #b71c1c; }
footer { color: #777; font-size: 0.8rem; margin-top: 3rem; }
@media print {
  body { margin: 0; max-width: none; }
  nav { display: none; }
  section { break-inside: avoid-page; }
  h2 { break-after: avoid-page; }
}
"""

_JUDGED = ("PASS", "WARN", "FAIL")
"""The freshness states that judge the data (the others say it cannot be judged yet)."""

Format = Callable[[object], str]


def money(value: object) -> str:
    return "" if pd.isna(value) else f"{float(value):,.2f}"


def count(value: object) -> str:
    return "" if pd.isna(value) else f"{float(value):,.0f}"


def percent(value: object) -> str:
    return "" if pd.isna(value) else f"{float(value):.1%}"


def ratio(value: object) -> str:
    return "" if pd.isna(value) else f"{float(value):.2f}×"


def page(data: ReportData, freshness: Sequence[TableFreshness], rendered_at: datetime) -> str:
    """The whole report: title, as-of date, headline figures, then one section per chart."""
    frames = (data.funnel_by_channel, data.cac_by_channel, data.roas_by_channel)
    colours = charts.channel_colours(
        channel for frame in frames if frame is not None for channel in frame.channel
    )
    as_of = data.as_of.isoformat() if data.as_of else "unknown (fct_funnel_daily not built)"
    body = [
        f"<header><h1>{TITLE}</h1>",
        f'<p class="as-of">Data as of <strong>{as_of}</strong> (the warehouse\'s last day) · '
        f"rendered {_utc(rendered_at)}</p>",
        _kpis(data),
        "<nav><ol>"
        + "".join(
            f'<li><a href="#{key}">{escape(title)}</a></li>' for key, title in SECTIONS.items()
        )
        + "</ol></nav></header>",
        _funnel(data, colours),
        _mrr(data),
        _cac_roas(data, colours),
        _attribution(data),
        _freshness(freshness, rendered_at),
        "<footer>Rendered by the reports/stakeholder_report asset of roundtrip from the marts "
        "and the Dagster instance; every figure is recomputed on each materialization.</footer>",
    ]
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{TITLE}, as of {escape(as_of)}</title>\n<style>{_CSS}</style>\n</head>\n"
        "<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def table(
    frame: pd.DataFrame,
    headers: Mapping[str, str],
    formats: Mapping[str, Format] | None = None,
    total: Mapping[str, object] | None = None,
) -> str:
    """``frame``'s ``headers`` columns as an HTML table (formatted columns right-aligned), with
    an optional bold total row."""
    formats = formats or {}
    head = "".join(f"<th>{escape(title)}</th>" for title in headers.values())

    def cells(values: Mapping[str, object]) -> str:
        return "".join(
            f'<td class="num">{escape(formats[column](values[column]))}</td>'
            if column in formats
            else f"<td>{escape('' if pd.isna(values[column]) else str(values[column]))}</td>"
            for column in headers
        )

    rows = [f"<tr>{cells(row)}</tr>" for row in frame.to_dict("records")]
    if total is not None:
        rows.append(f'<tr class="total">{cells(total)}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _section(key: str, sentence: str, *parts: str) -> str:
    return (
        f'<section id="{key}"><h2>{escape(SECTIONS[key])}</h2><p>{sentence}</p>'
        + "".join(parts)
        + "</section>"
    )


def _missing(key: str, tables: Sequence[str]) -> str:
    names = ", ".join(f"<code>{escape(name)}</code>" for name in tables)
    return _section(
        key,
        "",
        f'<p class="missing">Not available yet: {names} is not built or has no rows.</p>',
    )


def _empty(frame: pd.DataFrame | None) -> bool:
    return frame is None or frame.empty


def _kpis(data: ReportData) -> str:
    figures: list[tuple[str, str]] = []
    if not _empty(data.mrr_monthly):
        last = data.mrr_monthly.iloc[-1]
        month = charts.month_labels([last.month_start], [last.is_as_of_month])[0]
        figures += [
            (money(last.mrr), f"MRR, {month}"),
            (count(last.active_customers), "active customers"),
        ]
    if data.funnel_totals is not None:
        figures += [
            (count(data.funnel_totals["signups"]), "signups, all time"),
            (count(data.funnel_totals["new_paying_customers"]), "paying customers won"),
        ]
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi"><div class="value">{escape(value)}</div>'
            f'<div class="label">{escape(label)}</div></div>'
            for value, label in figures
        )
        + "</div>"
    )


def _funnel(data: ReportData, colours: dict) -> str:
    if _empty(data.funnel_by_channel):
        return _missing("funnel", ["marts.fct_funnel_cohorts"])
    frame = data.funnel_by_channel.assign(
        paying_rate=lambda f: f.paying / f.signups.where(f.signups > 0)
    )
    totals = {column: frame[column].sum() for column in STAGES}
    totals.update(
        channel="all channels",
        paying_rate=totals["paying"] / totals["signups"] if totals["signups"] else None,
    )
    headers = {"channel": "First channel", **STAGES, "paying_rate": "Signup → paying"}
    formats: dict[str, Format] = {**dict.fromkeys(STAGES, count), "paying_rate": percent}
    parts = [
        charts.svg(charts.funnel(data.funnel_by_channel, colours)),
        table(frame, headers, formats, totals),
    ]
    if data.funnel_totals is not None:
        daily = pd.DataFrame([data.funnel_totals])
        parts.append(
            "<p>The whole funnel over every day of the history (people counted once, on the day "
            "they first reached a stage):</p>"
            + table(
                daily,
                {
                    "sessions": "Web sessions",
                    "signups": "Signups",
                    "leads": "Leads",
                    "mqls": "MQLs",
                    "sqls": "SQLs",
                    "opportunities": "Opportunities",
                    "deals_won": "Deals won",
                    "new_paying_customers": "New paying customers",
                },
                dict.fromkeys(data.funnel_totals, count),
            )
        )
    return _section(
        "funnel",
        "How many signups reached each stage of the funnel, split by the channel of their first "
        "web visit: bar lengths show where people drop out, colours show which channels bring "
        "the people who go on to pay.",
        *parts,
    )


def _mrr(data: ReportData) -> str:
    if _empty(data.mrr_monthly):
        return _missing("mrr", ["marts.fct_mrr_monthly"])
    frame = data.mrr_monthly.assign(
        month=lambda f: charts.month_labels(f.month_start, f.is_as_of_month)
    )
    headers = {
        "month": "Month",
        "previous_mrr": "Opening MRR",
        **MOVEMENTS,
        "net_new_mrr": "Net new",
        "mrr": "Closing MRR",
        "active_customers": "Active customers",
    }
    formats: dict[str, Format] = {
        **dict.fromkeys(["previous_mrr", *MOVEMENTS, "net_new_mrr", "mrr"], money),
        "active_customers": count,
    }
    return _section(
        "mrr",
        "Monthly recurring revenue at each month's end (top) and the movements that changed it "
        "(bottom): new, expansion and reactivation add, contraction and churn subtract, and "
        "the black mark is the net change. * marks the month in progress (to date).",
        charts.svg(charts.mrr(data.mrr_monthly)),
        table(frame, headers, formats),
    )


def _cac_roas(data: ReportData, colours: dict) -> str:
    missing = [
        name
        for name, frame in (
            ("marts.fct_cac_by_channel_monthly", data.cac_by_channel),
            ("marts.fct_roas_by_campaign", data.roas_by_channel),
        )
        if _empty(frame)
    ]
    if missing:
        return _missing("cac-roas", missing)
    cac, roas = data.cac_by_channel, data.roas_by_channel
    return _section(
        "cac-roas",
        "What a new paying customer costs per channel (left; over the months the channel's cost "
        "is tracked, from ad spend or the budget sheet; customers credited by first touch) and "
        "the revenue each unit of ad spend brought back (right; revenue credited by last "
        "non-direct touch; above 1× the spend paid for itself). Channels without a tracked cost "
        "(organic, direct, referral) have no CAC.",
        charts.svg(charts.cac_and_roas(cac, roas, colours)),
        table(
            cac,
            {
                "channel": "Channel",
                "cost_source": "Cost from",
                "acquisition_cost": "Acquisition cost",
                "new_customers": "New customers",
                "cac": "CAC",
            },
            {"acquisition_cost": money, "new_customers": count, "cac": money},
        ),
        table(
            roas,
            {
                "channel": "Channel",
                "ad_platforms": "Ad platforms",
                "spend": "Ad spend",
                "attributed_revenue": "Attributed revenue",
                "roas": "ROAS",
            },
            {"spend": money, "attributed_revenue": money, "roas": ratio},
        ),
    )


def _attribution(data: ReportData) -> str:
    if _empty(data.attribution):
        return _missing("attribution", ["analytics.attribution_comparison"])
    return _section(
        "attribution",
        "Each channel's share of conversions under seven attribution models, side by side: "
        "rule-based (first touch, last touch, linear, position-based, time decay) and "
        "data-driven (Markov removal effect, Shapley value). Where the rule-based bars and the "
        "data-driven ones disagree, rule-based reporting over- or under-credits the channel.",
        charts.svg(charts.attribution(data.attribution)),
        table(
            data.attribution,
            {"channel": "Channel", **{model: model for model in ATTRIBUTION_MODELS}},
            dict.fromkeys(ATTRIBUTION_MODELS, percent),
        ),
    )


def _freshness(freshness: Sequence[TableFreshness], rendered_at: datetime) -> str:
    rows = "".join(
        "<tr>"
        f"<td><code>{escape(item.schema)}.{escape(item.table)}</code></td>"
        f'<td class="num">{item.rows:,}</td>'
        f"<td>{_utc(item.last_materialized) if item.last_materialized else 'never'}</td>"
        f"<td>{duration(rendered_at - item.last_materialized) if item.last_materialized else ''}"
        "</td>"
        f"<td>{escape(item.policy)}</td>"
        f"<td>{_state(item.state)}</td>"
        "</tr>"
        for item in freshness
    )
    judged = [item.state for item in freshness if item.state in _JUDGED]
    summary = (
        f"<p>{judged.count('PASS')} of {len(judged)} tables with an evaluated freshness policy "
        "are fresh.</p>"
        if judged
        else ""
    )
    head = "".join(
        f"<th>{title}</th>"
        for title in ("Table", "Rows", "Last materialized", "Age", "Freshness policy", "State")
    )
    return _section(
        "freshness",
        "Every table of the marts and analytics schemas: its rows in the warehouse, when its "
        "asset was last materialized, and its freshness policy's state as the Dagster UI shows "
        "it (PASS fresh, WARN getting stale, FAIL stale).",
        summary,
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>",
    )


def _state(state: str) -> str:
    if state == NO_POLICY:
        return "—"
    css = f" state-{state}" if state in _JUDGED else ""
    return f'<span class="state{css}">{escape(state)}</span>'


def _utc(moment: datetime | date) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"
