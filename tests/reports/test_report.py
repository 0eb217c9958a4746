"""The stakeholder report over a hand-made warehouse: the few mart tables it reads, with figures
small enough to check by hand, materialized through Dagster against a real instance.

The marts' values are chosen so each chart's headline figure is a known number: February's MRR
is 1,350.00, paid_search's CAC is 1,000 / 4 = 250.00 and its ROAS 2,500 / 1,000 = 2.50×.
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from platform_assets.reports import html
from platform_assets.reports.assets import REPORT_FILE, stakeholder_report, write_atomically
from platform_assets.reports.data import ReportData
from platform_assets.reports.html import SECTIONS
from platform_assets.reports.mart_freshness import describe, duration, evaluate
from platform_assets.settings import load_settings
from platform_assets.warehouse import connect

MARTS_SQL = """
create schema marts;
create schema analytics;
create table marts.fct_funnel_cohorts as
select * from (values
    (date '2026-01-01', 'paid_search', 40, 20, 10, 6, 3, 4),
    (date '2026-02-01', 'paid_search', 60, 30, 15, 9, 4, 6),
    (date '2026-01-01', 'organic_search', 50, 25, 12, 8, 2, 5)
) as t(signup_month, first_channel, signups, reached_mql, reached_sql, reached_opportunity, won,
       paying);
create table marts.fct_funnel_daily as
select * from (values
    (date '2026-02-27', 700, 500, 90, 120, 40, 20, 11, 5, 10),
    (date '2026-02-28', 800, 600, 60, 100, 35, 17, 12, 4, 5)
) as t(date_day, sessions, unique_visitors, signups, leads, mqls, sqls, opportunities, deals_won,
       new_paying_customers);
create table marts.fct_mrr_monthly as
select * from (values
    (date '2026-01-01', false, 0.0, 1000.0, 0.0, 0.0, 0.0, 0.0, 1000.0, 1000.0, 10),
    (date '2026-02-01', true, 1000.0, 500.0, 100.0, -50.0, -200.0, 0.0, 350.0, 1350.0, 13)
) as t(month_start, is_as_of_month, previous_mrr, new_mrr, expansion_mrr, contraction_mrr,
       churned_mrr, reactivation_mrr, net_new_mrr, mrr, active_customers);
create table marts.fct_cac_by_channel_monthly as
select * from (values
    (date '2026-01-01', 'paid_search', 'ad_platforms', 600.0, 3.0),
    (date '2026-02-01', 'paid_search', 'ad_platforms', 400.0, 1.0),
    (date '2026-01-01', 'email', 'budget_sheet', 90.0, 3.0),
    (date '2026-02-01', 'email', 'none', null, 7.0),
    (date '2026-01-01', 'organic_search', 'none', null, 5.0)
) as t(month_start, channel, cost_source, acquisition_cost, new_customers);
create table marts.fct_roas_by_campaign as
select * from (values
    ('paid_search', 'google_ads', 700.0, 1500.0),
    ('paid_search', 'google_ads', 300.0, 1000.0),
    ('paid_social', 'facebook_ads', 200.0, 100.0)
) as t(channel, ad_platform, spend, attributed_revenue);
create table analytics.attribution_comparison as
select * from (values
    ('organic_search', 0.625, 0.25, 0.5, 0.5, 0.4, 0.45, 0.5),
    ('paid_search', 0.375, 0.75, 0.5, 0.5, 0.6, 0.55, 0.5)
) as t(channel, first_touch, last_touch, linear, position_based, time_decay, markov, shapley);
"""

DAILY = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(days=1), warn_window=timedelta(hours=12)
)
MARTS_WITH_POLICIES = [
    dg.AssetSpec(["marts", "fct_mrr_monthly"], freshness_policy=DAILY),
    dg.AssetSpec(["marts", "fct_funnel_daily"], freshness_policy=DAILY),
]
"""fct_mrr_monthly gets a materialization before the report runs; fct_funnel_daily never does."""


def _materialize(instance: dg.DagsterInstance) -> dg.MaterializeResult:
    result = dg.materialize(
        [stakeholder_report, *MARTS_WITH_POLICIES],
        instance=instance,
        selection=[stakeholder_report],
    )
    assert result.success
    (event,) = result.asset_materializations_for_node("reports__stakeholder_report")
    return event


@pytest.fixture(scope="module")
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture(scope="module")
def report(
    tmp_path_factory: pytest.TempPathFactory, instance: dg.DagsterInstance
) -> Iterator[tuple[Path, dg.AssetMaterialization, str]]:
    """The report's path, materialization and HTML, rendered once for the module."""
    home = tmp_path_factory.mktemp("report") / "home"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ROUNDTRIP_HOME", str(home))
        with connect(load_settings()) as con:
            con.execute(MARTS_SQL)
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=["marts", "fct_mrr_monthly"])
        )
        event = _materialize(instance)
        path = home / "reports" / REPORT_FILE
        yield path, event, path.read_text(encoding="utf-8")


def test_report_shows_each_marts_headline_figures(report):
    _, _, page = report
    assert "Data as of <strong>2026-02-28</strong>" in page
    assert "1,350.00" in page  # MRR, Feb 2026 (to date)
    assert "Feb 2026*" in page
    assert "-200.00" in page  # February's churned MRR
    assert re.search(r"<td>paid_search</td>.*?<td class=\"num\">250\.00</td>", page)  # CAC
    assert re.search(r"<td>email</td>.*?<td class=\"num\">30\.00</td>", page)  # 90 / 3 costed
    assert "2.50×" in page and "0.50×" in page  # ROAS of paid_search, paid_social
    assert '<td class="num">100</td>' in page  # paid_search signups over both cohorts
    assert "62.5%" in page  # organic_search's first-touch share


def test_every_section_has_a_chart_a_sentence_and_a_table(report):
    _, _, page = report
    for key, title in SECTIONS.items():
        section = re.search(f'<section id="{key}">(.*?)</section>', page, re.S)
        assert section, key
        assert f"<h2>{title}</h2>" in section.group(1)
        assert re.search(r"<p>\w.{40,}</p>", section.group(1)), key
        assert "<table>" in section.group(1), key
        if key != "freshness":
            assert "<svg" in section.group(1), key
    assert "Not available" not in page


def test_the_page_needs_no_network(report):
    _, _, page = report
    assert not re.search(r"""(src|href|xlink:href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert not re.search(r"url\(\s*['\"]?(?!#)", page)  # only in-page references (clip paths)
    for fetching in ("<script", "<link", "<iframe", "@import", "@font-face"):
        assert fetching not in page


def test_freshness_lists_every_mart_with_rows_time_and_policy_state(report):
    _, _, page = report
    section = re.search('<section id="freshness">(.*?)</section>', page, re.S).group(1)
    rows = dict(re.findall(r"<code>([\w.]+)</code></td>(.*?)</tr>", section))
    assert set(rows) == {
        "analytics.attribution_comparison",
        "marts.fct_cac_by_channel_monthly",
        "marts.fct_funnel_cohorts",
        "marts.fct_funnel_daily",
        "marts.fct_mrr_monthly",
        "marts.fct_roas_by_campaign",
    }
    assert '<td class="num">5</td>' in rows["marts.fct_cac_by_channel_monthly"]
    mrr = rows["marts.fct_mrr_monthly"]
    assert "fail after 1d, warn after 12h" in mrr and ">PASS<" in mrr and "UTC" in mrr
    assert (
        ">UNKNOWN<" in rows["marts.fct_funnel_daily"] and "never" in rows["marts.fct_funnel_daily"]
    )
    assert "no policy" in rows["marts.fct_roas_by_campaign"]
    assert "1 of 1 tables with an evaluated freshness policy are fresh." in section


def test_metadata_links_the_file_and_previews_a_png(report):
    path, event, _ = report
    metadata = event.metadata
    assert metadata["path"].value == str(path)
    assert metadata["url"].value == path.as_uri()
    assert metadata["as_of"].value == "2026-02-28"
    assert metadata["mrr"].value == 1350.0
    markdown = metadata["preview"].value
    match = re.fullmatch(r"!\[preview\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", markdown)
    assert match
    png = base64.b64decode(match.group(1), validate=True)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk comes first
    assert (width, height) == (720, 400)
    assert len(png) < 100_000


def test_rematerializing_replaces_the_file_in_one_rename(report, instance, monkeypatch):
    path, _, _ = report
    monkeypatch.setenv("ROUNDTRIP_HOME", str(path.parent.parent))
    before = path.stat().st_ino
    with connect(load_settings()) as con:
        con.execute("update marts.fct_mrr_monthly set mrr = 1400 where month_start = '2026-02-01'")
        con.execute("drop table analytics.attribution_comparison")
    event = _materialize(instance)
    page = path.read_text(encoding="utf-8")
    assert path.stat().st_ino != before  # a new file renamed over the old one
    assert sorted(p.name for p in path.parent.iterdir()) == [REPORT_FILE]  # no temporary left
    assert "1,400.00" in page and "1,350.00" not in page
    assert "Not available yet: <code>analytics.attribution_comparison</code>" in page
    assert event.metadata["missing_tables"].value == "analytics.attribution_comparison"


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / REPORT_FILE
    write_atomically(path, "old")
    with pytest.raises(TypeError):
        write_atomically(path, b"not text")  # type: ignore[arg-type]
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == [REPORT_FILE]


@pytest.mark.parametrize(
    ("age", "state"),
    [(timedelta(hours=1), "PASS"), (timedelta(hours=13), "WARN"), (timedelta(days=2), "FAIL")],
)
def test_time_window_policy_states(age, state):
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert evaluate(DAILY, now - age, now) == state


def test_policies_in_words():
    assert evaluate(DAILY, None, datetime.now(UTC)) == "UNKNOWN"
    assert evaluate(None, None, datetime.now(UTC)) == "no policy"
    cron = dg.FreshnessPolicy.cron(deadline_cron="0 9 * * *", lower_bound_delta=timedelta(hours=6))
    assert evaluate(cron, datetime.now(UTC), datetime.now(UTC)) == "not evaluated"
    assert describe(cron) == "updated within 6h before cron 0 9 * * * (UTC)"
    assert describe(DAILY) == "fail after 1d, warn after 12h"
    assert duration(timedelta(days=1, hours=6, minutes=5)) == "1d 6h"
    assert duration(timedelta(seconds=0)) == "0s"


def test_an_empty_warehouse_gives_a_page_that_says_what_is_missing():
    data = ReportData(
        as_of=None,
        funnel_by_channel=None,
        funnel_totals=None,
        mrr_monthly=pd.DataFrame(columns=["month_start", "is_as_of_month", "mrr"]),
        cac_by_channel=None,
        roas_by_channel=None,
        attribution=None,
        row_counts={},
    )
    page = html.page(data, [], datetime(2026, 3, 1, tzinfo=UTC))
    assert "Data as of <strong>unknown" in page
    assert page.count('<p class="missing">') == len(SECTIONS) - 1  # all but freshness
    assert "<code>marts.fct_mrr_monthly</code> is not built or has no rows" in page
