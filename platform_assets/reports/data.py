"""What the stakeholder report shows, read from the marts: small frames aggregated in SQL.

Each reader aggregates where the data is (the warehouse), so the report stays as fast on a cloud
warehouse as on the DuckDB file, and returns a frame small enough to chart and print. Periods are
the whole history up to the warehouse's as-of day (the last day of ``marts.fct_funnel_daily``):
the in-progress month counts to date.

A mart that is not built yet does not fail the report: :func:`read` names the missing tables and
the page says which section lacks them, so the freshness section still tells the reader why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from platform_assets.analytics.attribution.api import MODELS
from platform_assets.warehouse import row_count, table_exists

STAGES = {
    "signups": "Signups",
    "reached_mql": "MQL",
    "reached_sql": "SQL",
    "reached_opportunity": "Opportunity",
    "won": "Won deal",
    "paying": "Paying",
}
"""The cohort funnel's stage columns, in funnel order, and how the report names them."""

MOVEMENTS = {
    "new_mrr": "New",
    "expansion_mrr": "Expansion",
    "reactivation_mrr": "Reactivation",
    "contraction_mrr": "Contraction",
    "churned_mrr": "Churned",
}
"""The MRR movements of ``fct_mrr_monthly`` (contraction and churn are negative)."""

ATTRIBUTION_MODELS = MODELS
"""The seven models' share columns of ``analytics.attribution_comparison``, in report order."""

REPORTED_SCHEMAS = ("marts", "analytics")
"""Schemas whose every table appears in the freshness section (the marts and their Python
models)."""

FUNNEL_BY_CHANNEL = f"""
select
    first_channel as channel,
    {", ".join(f"cast(sum({column}) as bigint) as {column}" for column in STAGES)},
from marts.fct_funnel_cohorts
group by first_channel
order by signups desc, channel
"""

FUNNEL_TOTALS = """
select
    sum(sessions) as sessions,
    sum(signups) as signups,
    sum(leads) as leads,
    sum(mqls) as mqls,
    sum(sqls) as sqls,
    sum(opportunities) as opportunities,
    sum(deals_won) as deals_won,
    sum(new_paying_customers) as new_paying_customers,
from marts.fct_funnel_daily
"""

MRR_MONTHLY = f"""
select
    month_start,
    is_as_of_month,
    cast(previous_mrr as double) as previous_mrr,
    {", ".join(f"cast({column} as double) as {column}" for column in MOVEMENTS)},
    cast(net_new_mrr as double) as net_new_mrr,
    cast(mrr as double) as mrr,
    active_customers,
from marts.fct_mrr_monthly
order by month_start
"""

CAC_BY_CHANNEL = """
with costed as (
    select
        channel,
        cost_source,
        acquisition_cost,
        new_customers,
    from marts.fct_cac_by_channel_monthly
    where acquisition_cost is not null
)

select
    channel,
    string_agg(distinct cost_source, ', ' order by cost_source) as cost_source,
    cast(sum(acquisition_cost) as double) as acquisition_cost,
    sum(new_customers) as new_customers,
    cast(sum(acquisition_cost) / nullif(sum(new_customers), 0) as double) as cac,
from costed
group by channel
order by channel
"""
"""CAC per channel over the months its cost is tracked (ad spend or the budget sheet): a month
without a tracked cost adds neither cost nor customers, so the ratio compares like with like."""

ROAS_BY_CHANNEL = """
select
    channel,
    string_agg(distinct ad_platform, ', ' order by ad_platform) as ad_platforms,
    cast(sum(spend) as double) as spend,
    cast(sum(attributed_revenue) as double) as attributed_revenue,
    cast(sum(attributed_revenue) / nullif(sum(spend), 0) as double) as roas,
from marts.fct_roas_by_campaign
where channel is not null
group by channel
order by channel
"""


@dataclass(frozen=True)
class ReportData:
    """Everything the page draws; a frame is ``None`` when the table it reads is missing."""

    as_of: date | None
    funnel_by_channel: pd.DataFrame | None
    funnel_totals: Mapping[str, int] | None
    mrr_monthly: pd.DataFrame | None
    cac_by_channel: pd.DataFrame | None
    roas_by_channel: pd.DataFrame | None
    attribution: pd.DataFrame | None
    row_counts: Mapping[tuple[str, str], int]
    """Every table of the reported schemas: (schema, table) → rows."""
    missing: tuple[str, ...] = ()
    """``schema.table`` names the report reads that do not exist yet."""


def read(con: duckdb.DuckDBPyConnection) -> ReportData:
    """Read every section's figures from the warehouse behind ``con``."""
    missing: list[str] = []

    def frame(schema: str, table: str, sql: str) -> pd.DataFrame | None:
        if table_exists(con, schema, table):
            return con.execute(sql).df()
        missing.append(f"{schema}.{table}")
        return None

    totals = frame("marts", "fct_funnel_daily", FUNNEL_TOTALS)
    as_of = (
        con.execute("select max(date_day) from marts.fct_funnel_daily").fetchone()[0]
        if totals is not None
        else None
    )
    attribution = frame(
        "analytics",
        "attribution_comparison",
        f"select channel, {', '.join(ATTRIBUTION_MODELS)} "
        "from analytics.attribution_comparison order by channel",
    )
    return ReportData(
        as_of=as_of,
        funnel_by_channel=frame("marts", "fct_funnel_cohorts", FUNNEL_BY_CHANNEL),
        funnel_totals=None
        if totals is None
        else {column: int(value or 0) for column, value in totals.iloc[0].items()},
        mrr_monthly=frame("marts", "fct_mrr_monthly", MRR_MONTHLY),
        cac_by_channel=frame("marts", "fct_cac_by_channel_monthly", CAC_BY_CHANNEL),
        roas_by_channel=frame("marts", "fct_roas_by_campaign", ROAS_BY_CHANNEL),
        attribution=attribution,
        row_counts=_row_counts(con),
        missing=tuple(missing),
    )


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    placeholders = ", ".join("?" for _ in REPORTED_SCHEMAS)
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({placeholders}) order by table_schema, table_name",
        list(REPORTED_SCHEMAS),
    ).fetchall()
    return {(schema, table): row_count(con, schema, table) for schema, table in tables}
