"""The stakeholder report as an asset: one self-contained HTML page rendered from the marts.

The page (``reports/html.py``) is written to ``$ROUNDTRIP_HOME/reports/stakeholder_report.html``
atomically: a temporary file in the same folder, then a rename over the old page, so a reader
(or a browser refreshing it) sees the previous report or the new one, never half of one. Only the
latest report is kept: every figure in it is recomputed from the warehouse on each run, and the
run history in Dagster keeps each run's headline figures in metadata.

The asset's metadata links the file and carries a PNG preview of the headline chart (MRR and its
movements) as a markdown image with a data URI, which the asset's page in the Dagster UI shows.
"""

import base64
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from platform_assets.reports import charts, html
from platform_assets.reports.data import ReportData, read
from platform_assets.reports.mart_freshness import table_freshness
from platform_assets.settings import load_settings
from platform_assets.warehouse import DUCKDB_POOL, connect

REPORT_FILE = "stakeholder_report.html"

CHARTED = [
    dg.AssetKey(["marts", "fct_funnel_cohorts"]),
    dg.AssetKey(["marts", "fct_funnel_daily"]),
    dg.AssetKey(["marts", "fct_mrr_monthly"]),
    dg.AssetKey(["marts", "fct_cac_by_channel_monthly"]),
    dg.AssetKey(["marts", "fct_roas_by_campaign"]),
    dg.AssetKey(["analytics", "attribution_comparison"]),
]
"""The tables the report's charts and tables read: its upstream assets."""


@dg.asset(
    key=["reports", "stakeholder_report"],
    deps=CHARTED,
    group_name="reports",
    owners=["team:data-platform"],
    kinds={"html"},
    # it only reads the warehouse, but DuckDB refuses any connection while another process writes
    pool=DUCKDB_POOL,
    description=(
        "The stakeholder report: one self-contained HTML page (inline SVG charts, no network "
        "needed to view it) with the funnel by stage and channel, MRR and its movements by "
        "month, CAC and ROAS by channel, the seven attribution models compared, and the "
        "freshness and row count of every mart. Saved as "
        f"$ROUNDTRIP_HOME/reports/{REPORT_FILE}; the metadata links it and previews the MRR chart."
    ),
)
def stakeholder_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Read the marts, look up each mart's freshness in the instance, write the page."""
    settings = load_settings()
    with connect(settings) as con:
        data = read(con)
    rendered_at = datetime.now(UTC)
    # the job's asset graph holds every asset of the code location, selected or not (unlike
    # context.repository_def, it is set in dg.materialize and execute_in_process runs too)
    graph = context.job_def.asset_layer.asset_graph
    policies = {
        key: policy
        for key in (dg.AssetKey(list(table)) for table in data.row_counts)
        if graph.has(key) and (policy := graph.get(key).freshness_policy_or_from_metadata)
    }
    freshness = table_freshness(context.instance, policies, data.row_counts, rendered_at)
    path = settings.reports_dir / REPORT_FILE
    write_atomically(path, html.page(data, freshness, rendered_at))
    if data.missing:
        context.log.warning(f"report sections without data, tables missing: {data.missing}")
    return dg.MaterializeResult(metadata=_metadata(path, data))


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename (the temporary file is removed on failure)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the report from other readers
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def preview_markdown(png: bytes) -> str:
    """A markdown image whose source is the PNG itself (a data URI): the UI needs no file."""
    return f"![preview](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"


def _metadata(path: Path, data: ReportData) -> dict[str, object]:
    metadata: dict[str, object] = {
        "path": dg.MetadataValue.path(str(path)),
        "url": dg.MetadataValue.url(path.as_uri()),
        "size_bytes": path.stat().st_size,
        "mart_tables": len(data.row_counts),
    }
    if data.as_of:
        metadata["as_of"] = data.as_of.isoformat()
    if data.mrr_monthly is not None and len(data.mrr_monthly):
        metadata["mrr"] = float(data.mrr_monthly.mrr.iloc[-1])
        metadata["preview"] = dg.MetadataValue.md(
            preview_markdown(charts.png(charts.mrr(data.mrr_monthly)))
        )
    if data.missing:
        metadata["missing_tables"] = ", ".join(data.missing)
    return metadata
