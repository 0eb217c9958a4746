"""The marketing plan that exists before anyone visits: the ad campaign tree and the email
calendar. Sessions are attached to these (paid sessions to an ad live at the time, email
sessions to the latest campaign), and delivery/spend is computed from the sessions later
(``delivery.py``).

Campaigns run in flights: the first campaign of a channel is always on, and about half of the
others stop after a few weeks to months (paused, or now and then removed), some during the
history and some later, so ``world advance`` shows status changes too. ``ended_at`` (midnight,
the first day without delivery) is not a core column: core keeps the final status, and the ad
platforms' projections date the change by the last day of delivery, which ends there."""

from __future__ import annotations

import numpy as np
import pandas as pd

from platform_assets.sandbox.world import vocab
from platform_assets.sandbox.world.config import WorldConfig
from platform_assets.sandbox.world.rand import DAY_US, stream, ts

Tables = dict[str, pd.DataFrame]

# Paid channels bought on an ad platform: (platform, campaigns, label, objective).
AD_CHANNELS: dict[str, tuple[str, int, str, str]] = {
    "paid_search": ("google_ads", 4, "Search", "SEARCH"),
    "display": ("google_ads", 2, "Display", "DISPLAY"),
    "video": ("google_ads", 2, "YouTube", "VIDEO"),
    "paid_social": ("facebook_ads", 3, "Social", "OUTCOME_LEADS"),
}
_ID_BASE = {"google_ads": 21_000_000_000, "facebook_ads": 23_851_000_000_000}
_THEMES = ("Brand", "Competitors", "CDP", "Reverse ETL", "Attribution", "Retargeting")
_REGIONS = ("US", "EMEA", "Global")
_STOP_SHARE = 0.5  # of the campaigns after a channel's first
_REMOVED_SHARE = 0.3  # of the stopped ones; the others are paused


def slug(names: pd.Series) -> pd.Series:
    """'Search | Brand | US' → 'search-brand-us' (what lands in utm_campaign)."""
    return names.str.lower().str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-")


def ad_tree(config: WorldConfig) -> Tables:
    """ad_campaigns → ad_groups → ads. The first campaign of a channel predates the world; the
    others launch during it, so the tree grows over time."""
    rng = stream(config.seed, "ad_tree")
    camps, groups, ads = [], [], []
    counters = {p: 0 for p in _ID_BASE}
    launch_window = config.history_days + config.future_days - 30
    for channel, (platform, n_campaigns, label, objective) in AD_CHANNELS.items():
        for k in range(n_campaigns):
            counters[platform] += 1
            cid = _ID_BASE[platform] + counters[platform]
            offset = -45 if k == 0 else int(rng.integers(-45, launch_window))
            created = ts(config.start) + np.timedelta64(offset * DAY_US, "us")
            theme = _THEMES[int(rng.integers(len(_THEMES)))]
            name = f"{label} | {theme} | {_REGIONS[k % len(_REGIONS)]}"
            status, ended = _flight(rng, k, created, ts(config.end))
            camps.append((platform, cid, name, channel, objective, created, status, ended))
            for g in range(int(rng.integers(2, 4))):
                gid = cid * 100 + g + 1
                groups.append((platform, gid, cid, f"{theme} – group {g + 1}", created))
                for a in range(int(rng.integers(2, 4))):
                    path, title = vocab.PAGES[int(rng.integers(0, 6))]
                    ads.append(
                        (
                            platform,
                            gid * 100 + a + 1,
                            gid,
                            cid,
                            f"{theme} ad {g + 1}.{a + 1}",
                            title.split(" – ")[0],
                            vocab.SITE + path,
                            created,
                        )
                    )
    return {
        "ad_campaigns": pd.DataFrame(
            camps,
            columns=[
                "ad_platform",
                "ad_campaign_id",
                "name",
                "channel",
                "objective",
                "created_at",
                "status",
                "ended_at",
            ],
        ),
        "ad_groups": pd.DataFrame(
            groups, columns=["ad_platform", "ad_group_id", "ad_campaign_id", "name", "created_at"]
        ),
        "ads": pd.DataFrame(
            ads,
            columns=[
                "ad_platform",
                "ad_id",
                "ad_group_id",
                "ad_campaign_id",
                "name",
                "headline",
                "final_url",
                "created_at",
            ],
        ),
    }


def _flight(
    rng: np.random.Generator, k: int, created: np.datetime64, horizon_end: np.datetime64
) -> tuple[str, np.datetime64]:
    """(final status, ended_at) of the ``k``-th campaign of a channel: NaT while it runs to the
    horizon's end. A flight lasts 3 weeks to 5 months; one that would outlast the horizon
    stays active."""
    stops = k > 0 and rng.random() < _STOP_SHARE
    ended = created + np.timedelta64(int(rng.integers(21, 150)) * DAY_US, "us")
    removed = rng.random() < _REMOVED_SHARE
    if not stops or ended >= horizon_end:
        return "active", np.datetime64("NaT", "us")
    return ("removed" if removed else "paused"), ended


def live_ads(tree: Tables) -> pd.DataFrame:
    """Every ad with its campaign's channel and ``ended_at`` (NaT: delivering to the end)."""
    campaigns = tree["ad_campaigns"][["ad_campaign_id", "channel", "ended_at"]]
    return tree["ads"].merge(campaigns, on="ad_campaign_id")


def email_calendar(config: WorldConfig) -> pd.DataFrame:
    """One marketing email a week (Tuesdays 15:00 UTC), starting just before the world does."""
    first = ts(config.start) - np.timedelta64(4 * DAY_US, "us")
    total = config.history_days + config.future_days + 4
    n = total // 7
    sent = first + (np.arange(n) * 7 * DAY_US + 15 * 3_600_000_000).astype("timedelta64[us]")
    kinds = np.array(["Newsletter", "Product update", "Webinar invite", "Customer story"])
    kind = kinds[np.arange(n) % len(kinds)]
    number = np.arange(1, n + 1)
    names = pd.Series(kind) + " #" + pd.Series(number).astype(str)
    subjects = pd.Series(kind).map(
        {
            "Newsletter": "This week in customer data",
            "Product update": "New: reverse ETL to HubSpot",
            "Webinar invite": "Live: attribution that survives audits",
            "Customer story": "How a data team cut CAC by 20%",
        }
    )
    return pd.DataFrame(
        {
            "email_campaign_id": number.astype(np.int64),
            "name": names.to_numpy(),
            "subject": subjects.to_numpy(),
            "sent_at": sent,
        }
    )
