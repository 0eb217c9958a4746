"""Freshness policies: how old each source, mart, analytics output and sync may get.

Every raw table, mart, Python analytics asset and reverse-ETL sync gets a time-window
``FreshnessPolicy`` from :data:`WINDOWS`, the one table of business expectations: its first row
whose key pattern matches the asset's key. Dagster judges freshness on the wall-clock time of the
asset's last materialization (any partition), so an asset turns WARN, then FAIL, when its
pipeline stops running; the UI shows the policy and the state on the asset's page ("Freshness")
and in the asset graph. (The synthetic world's own clock does not matter here: a live demo keeps
materializing, a stopped one goes stale as it should.)

Staging and intermediate models, seeds and the ``sync_*`` models get none: nobody reads them
directly, and a stale one shows as a stale mart or sync downstream.
"""

import fnmatch
import warnings
from datetime import timedelta
from typing import NamedTuple

import dagster as dg


class Window(NamedTuple):
    """Key pattern (segments matched one by one, ``*`` within a segment), warn and fail ages
    since the last materialization, and why the business needs them."""

    pattern: str
    warn: timedelta
    fail: timedelta
    why: str


_HOURLY = (timedelta(hours=2), timedelta(hours=4))
_SAME_DAY = (timedelta(hours=6), timedelta(hours=12))
_DAILY = (timedelta(hours=26), timedelta(hours=50))
_FINANCE = (timedelta(hours=26), timedelta(hours=36))
_WEEKLY = (timedelta(days=8), timedelta(days=15))
_MONTHLY = (timedelta(days=32), timedelta(days=62))

# First match wins: specific rows before their layer's catch-all.
WINDOWS: tuple[Window, ...] = (
    Window("raw/hubspot/*", *_HOURLY, "Hourly CRM load: sales works new leads within the hour."),
    Window("raw/zendesk/*", *_HOURLY, "Hourly support load: ticket volume is watched intraday."),
    Window("raw/events/*", *_HOURLY, "Landing files arrive hourly; funnel and syncs read them."),
    Window("raw/stripe/*", *_DAILY, "Daily billing load; one missed day warns, two fail."),
    Window("raw/facebook_ads/*", *_DAILY, "Daily ads load: platforms report complete days only."),
    Window("raw/google_ads/*", *_DAILY, "Daily ads load: platforms report complete days only."),
    Window("raw/amplitude/*", *_DAILY, "Daily product-analytics export."),
    Window("raw/firestore/*", *_DAILY, "Daily product-database export."),
    Window("raw/google_sheets/*", *_DAILY, "Budgets and targets re-read daily with the ads."),
    Window("raw/uploads/*", *_MONTHLY, "Hand-made budget files: uploaded monthly at most."),
    Window("raw/*/*", *_DAILY, "Any other source: daily, until it earns a row of its own."),
    Window("marts/fct_mrr*", *_FINANCE, "Finance reads MRR each morning: fail the same day."),
    Window("marts/fct_revenue*", *_FINANCE, "Finance reads revenue each morning and at close."),
    Window("marts/fct_funnel_*", *_SAME_DAY, "Growth watches today's signups during the day."),
    Window("marts/dim_customers", *_SAME_DAY, "Feeds the hourly CRM syncs: same-day for sales."),
    Window("marts/*", *_DAILY, "Stakeholders read marketing, product, support marts daily."),
    Window("analytics/lead_scoring_model", *_WEEKLY, "The lead-scoring model retrains weekly."),
    Window("analytics/*", *_DAILY, "Attribution and lead scores follow the daily marts."),
    Window("activation/hubspot/*", *_SAME_DAY, "Sales acts on synced CRM fields the same day."),
    Window("activation/salesforce/*", *_SAME_DAY, "Sales acts on synced CRM fields the same day."),
    Window("activation/zendesk/*", *_SAME_DAY, "Agents see synced customer fields the same day."),
    Window("activation/braze/*", *_SAME_DAY, "Lifecycle messaging targets today's signups."),
    Window("activation/*/*", *_DAILY, "File exports and offline conversions are read daily."),
)


def matches(pattern: str, key: dg.AssetKey) -> bool:
    """``raw/hubspot/*`` matches ``raw/hubspot/contact`` but not ``raw/hubspot`` or a deeper key."""
    segments = pattern.split("/")
    return len(segments) == len(key.path) and all(
        fnmatch.fnmatchcase(part, glob) for part, glob in zip(key.path, segments, strict=True)
    )


def window_for(key: dg.AssetKey) -> Window | None:
    """The first row of :data:`WINDOWS` matching ``key``; None for a layer without a policy."""
    return next((window for window in WINDOWS if matches(window.pattern, key)), None)


def _with_policy(spec: dg.AssetSpec) -> dg.AssetSpec:
    window = window_for(spec.key)
    if window is None:
        return spec
    policy = dg.FreshnessPolicy.time_window(fail_window=window.fail, warn_window=window.warn)
    return dg.apply_freshness_policy(spec, policy)


def apply(defs: dg.Definitions) -> dg.Definitions:
    """``defs`` with each raw, mart, analytics and sync asset's policy from :data:`WINDOWS`."""
    with warnings.catch_warnings():  # mapping specs is "preview"; chosen knowingly
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return defs.map_asset_specs(func=_with_policy)
