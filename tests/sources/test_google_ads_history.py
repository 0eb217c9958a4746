"""The Google Ads connector's reads the API constrains: version tables through change_status
(90 days back, a LIMIT a query) and a plain SELECT on the first sync, the raw campaign_stats
columns, and a refused call named in the error. Counts follow from the hand-made world in
``test_facebook_ads_and_google_ads_world.py``."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from platform_assets.ingestion import google_ads as connector
from platform_assets.sandbox.apis import google_ads as fake
from platform_assets.sandbox.world.sources.google_ads import CAMPAIGN_ID_BASE
from tests.sources import harness
from tests.sources.test_facebook_ads_and_google_ads_world import T0, T1, make_world
from tests.sources.test_google_ads import TOKEN

HISTORY = ("campaign_history", "ad_group_history", "ad_history")


def _campaign_versions(settings) -> list[tuple]:
    return harness.query(
        settings,
        f"select id - {CAMPAIGN_ID_BASE}, status, updated_at from raw_google_ads.campaign_history "
        "order by all",
    )


def test_a_first_sync_reads_every_object_even_when_change_status_forgot_it(
    tmp_path: Path,
) -> None:
    # 100 days after T1: every change is older than change_status's 90 days.
    later = T1 + timedelta(days=100)
    make_world(tmp_path / "world", later)
    with harness.serve(tmp_path / "world", fake.API) as running:
        settings = harness.warehouse_settings(tmp_path / "wh", running)
        harness.load(settings, running, "google_ads", connector.google_ads_source)
        # change_status knows nothing of these objects: their version is dated UNKNOWN_CHANGE,
        # the same on every sync that finds them unchanged.
        unknown = datetime.fromisoformat(connector.UNKNOWN_CHANGE)
        assert _campaign_versions(settings) == [
            (3, "ENABLED", unknown),
            (4, "REMOVED", unknown),
            (5, "ENABLED", unknown),
        ]
        assert harness.row_counts(settings, "raw_google_ads", HISTORY) == dict.fromkeys(HISTORY, 3)

        # Syncing again asks change_status from where it left off: nothing new, nothing served.
        again = harness.load(settings, running, "google_ads", connector.google_ads_source)
        assert again["rows"] == 0
        assert harness.row_counts(settings, "raw_google_ads", HISTORY) == dict.fromkeys(HISTORY, 3)


def test_change_status_is_read_in_limit_sized_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_world(tmp_path / "world", T1)
    with harness.serve(tmp_path / "world", fake.API) as running:
        whole = harness.warehouse_settings(tmp_path / "whole", running)
        harness.load(whole, running, "google_ads", connector.google_ads_source)
        monkeypatch.setattr(connector, "CHANGE_LIMIT", 2)
        sliced = harness.warehouse_settings(tmp_path / "sliced", running)
        harness.load(sliced, running, "google_ads", connector.google_ads_source)
    # Campaigns changed Jan 1 08:00, Jan 10 and Jan 11: three slices of at most 2.
    assert _campaign_versions(sliced) == [
        (3, "ENABLED", datetime(2026, 1, 1, 8)),
        (4, "REMOVED", datetime(2026, 1, 10)),
        (5, "ENABLED", datetime(2026, 1, 11)),
    ]
    assert harness.snapshot(sliced, "raw_google_ads", HISTORY, harness.RUN_STAMPS) == (
        harness.snapshot(whole, "raw_google_ads", HISTORY, harness.RUN_STAMPS)
    )


def test_campaign_stats_lands_only_columns_it_reads(tmp_path: Path) -> None:
    make_world(tmp_path / "world", T0)
    with harness.serve(tmp_path / "world", fake.API) as running:
        settings = harness.warehouse_settings(tmp_path / "wh", running)
        harness.load(settings, running, "google_ads", connector.google_ads_source)
    columns = harness.query(
        settings,
        "select column_name from information_schema.columns "
        "where table_schema = 'raw_google_ads' and table_name = 'campaign_stats' order by all",
    )
    assert [c for (c,) in columns] == sorted(
        ["id", "customer_id", "date", "ad_network_type", "device", "clicks", "impressions",
         "cost_micros",
         "conversions", "conversions_value", "interactions", "view_through_conversions",
         "_fivetran_synced", "_dlt_load_id", "_dlt_id"]
    )  # fmt: skip


def test_a_refused_call_names_the_endpoint_and_status(tmp_path: Path) -> None:
    make_world(tmp_path / "world", T0)
    with harness.serve(tmp_path / "world", fake.API) as running:
        api = connector.GoogleAds(f"{running.url}/google_ads", TOKEN, "not-the-token")
        with pytest.raises(
            connector.GoogleAdsError, match=r"/customers:listAccessibleCustomers answered HTTP 401"
        ):
            api.customers()
