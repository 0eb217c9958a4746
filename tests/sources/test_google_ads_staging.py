"""Google Ads staging over what the connector lands from the hand-made world: campaign_stats
keeps Fivetran's grain (campaign, day, network, device) and every staging test passes. Counts
follow from ``test_facebook_ads_and_google_ads_world.py``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from platform_assets.ingestion.google_ads import google_ads_source
from platform_assets.sandbox.apis import google_ads as fake
from platform_assets.sandbox.world.sources.google_ads import CAMPAIGN_ID_BASE
from tests.sources import harness
from tests.sources.test_facebook_ads_and_google_ads_world import T1, make_world


def test_campaign_stats_stage_by_device(tmp_path: Path) -> None:
    make_world(tmp_path / "world", T1)
    with harness.serve(tmp_path / "world", fake.API) as running:
        settings = harness.warehouse_settings(tmp_path / "wh", running)
        harness.load(settings, running, "google_ads", google_ads_source)
    result = harness.dbt_build(
        ["staging.google_ads", "source:google_ads"], settings.warehouse_path, tmp_path
    )
    assert result.returncode == 0, result.stdout[-4000:]
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute(
            "select device, clicks, spend, conversions from staging.stg_google_ads__campaign_stats "
            f"where campaign_id = {CAMPAIGN_ID_BASE + 3} and date_day = '2026-01-02' order by 1"
        ).fetchall() == [
            ("DESKTOP", 12, Decimal("6.875"), 2.0),
            ("MOBILE", 8, Decimal("4.75"), 0.0),
            ("TABLET", 2, Decimal("0.875"), 0.0),
        ]
        # Spend is kept to the micro: the devices add up to the day's $12.50.
        assert con.execute(
            "select sum(spend) from staging.stg_google_ads__campaign_stats "
            f"where campaign_id = {CAMPAIGN_ID_BASE + 3} and date_day = '2026-01-02'"
        ).fetchall() == [(Decimal("12.5"),)]
        # 19 campaign-days (campaign 3 Jan 1-10, campaign 4 Jan 1-9), three devices each.
        assert con.execute(
            "select count(*), count(distinct campaign_day_id), min(date_day), max(date_day) "
            "from staging.stg_google_ads__campaign_stats"
        ).fetchall() == [(57, 57, date(2026, 1, 1), date(2026, 1, 10))]
