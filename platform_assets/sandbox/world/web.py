"""Web visits: sessions (true channel and what the landing URL carried) and their page views.

A person's first session is at ``first_seen_at`` through their acquisition channel; return
visits follow log-normal gaps and come back direct, through the same channel, or anew. A return
keeps the week its gap lands in but takes its day and hour from the same weekday and diurnal
profiles as first visits (``rand.seasonal_near``), so all traffic has the seasonality. Page
gaps are log-normal with a share drawn from 25–35 minutes, so the 30-minute session cut-off of
downstream sessionisation is exercised on both sides. User ids are filled in later
(``identity.py``), once the funnel has decided who signs up where.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from platform_assets.sandbox.world import vocab
from platform_assets.sandbox.world.campaigns import AD_CHANNELS, live_ads, slug
from platform_assets.sandbox.world.config import WorldConfig
from platform_assets.sandbox.world.rand import (
    DAY_US,
    days,
    repeat_index,
    seasonal_near,
    seconds,
    stream,
    tokens,
    ts,
)

_LANDING = 9  # the first pages of vocab.PAGES are landing pages
_MIN_RETURN_GAP = np.timedelta64(int(0.2 * DAY_US), "us")
_SEARCH_REFERRERS = ("https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/")


def _choice(rng: np.random.Generator, options, n: int, p=None) -> np.ndarray:
    values = np.asarray(options, dtype=object)
    weights = None if p is None else np.asarray(p, float) / np.sum(p)
    return values[rng.choice(len(values), size=n, p=weights)]


def _session_times(config: WorldConfig, rng, people: pd.DataFrame) -> pd.DataFrame:
    n_people = len(people)
    counts = rng.geometric(1.0 / config.mean_sessions_per_visitor, n_people)
    parent, ordinal = repeat_index(counts)
    gap = np.maximum(
        rng.lognormal(
            np.log(config.session_gap.median_days), config.session_gap.sigma, len(parent)
        ),
        0.2,
    )
    gap[ordinal == 0] = 0.0
    offset = pd.Series(gap).groupby(parent).cumsum().to_numpy()
    first_seen = people.first_seen_at.to_numpy().astype("datetime64[us]")[parent]
    started = first_seen + days(offset)
    later = ordinal > 0
    started[later] = seasonal_near(rng, started[later])
    started = _in_order(parent, started, later & (started < first_seen + _MIN_RETURN_GAP))
    frame = pd.DataFrame(
        {
            "person_idx": parent,
            "ordinal": ordinal,
            "person_id": people.person_id.to_numpy()[parent],
            "started_at": started,
        }
    )
    return frame[frame.started_at < ts(config.end)].reset_index(drop=True)


def _in_order(parent: np.ndarray, started: np.ndarray, too_early: np.ndarray) -> np.ndarray:
    """Each person's session times sorted, the first visit first and every return at least
    ``_MIN_RETURN_GAP`` after the visit before it (``too_early``: the returns too close to, or
    before, the first visit). A return that breaks this moves whole weeks later, which keeps
    its weekday and hour (``parent`` is sorted, so positions stay a person's ordinals)."""
    week = np.timedelta64(7 * DAY_US, "us")
    started = np.where(too_early, started + week, started)
    same_person = np.r_[False, parent[1:] == parent[:-1]]
    while True:
        started = started[np.lexsort((started, parent))]
        too_close = same_person & (started - np.r_[started[:1], started[:-1]] < _MIN_RETURN_GAP)
        if not too_close.any():
            return started
        started[too_close] += week


def _channels(config: WorldConfig, rng, sessions: pd.DataFrame, people: pd.DataFrame):
    weights = config.weights()
    n = len(sessions)
    first = people.first_channel.to_numpy()[sessions.person_idx.to_numpy()]
    fresh = _choice(rng, list(weights), n, list(weights.values()))
    u = rng.random(n)
    returning = np.where(
        u < config.return_direct_share,
        "direct",
        np.where(u < config.return_direct_share + config.return_same_channel_share, first, fresh),
    )
    return np.where(sessions.ordinal.to_numpy() == 0, first, returning)


def _devices(rng, sessions: pd.DataFrame, devices: pd.DataFrame) -> np.ndarray:
    """Each session uses one of its person's devices (shared devices count for both people)."""
    per_person = devices.groupby("person_id", sort=True).size()
    offsets = per_person.cumsum() - per_person
    pid = sessions.person_id.to_numpy()
    count = per_person.reindex(pid).to_numpy()
    base = offsets.reindex(pid).to_numpy()
    pick = base + np.floor(rng.random(len(pid)) * count).astype(np.int64)
    return devices.anonymous_id.to_numpy()[pick]


def _attach_ads(rng, sessions: pd.DataFrame, tree: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Paid sessions click an ad that was live at the time (ads weighted unevenly): launched
    and not yet stopped; otherwise one of the channel's always-on first campaign."""
    ads = live_ads(tree)
    out = {k: np.full(len(sessions), None, dtype=object) for k in ("ad_platform", "ad_name")}
    ids = {
        k: np.full(len(sessions), -1, dtype=np.int64)
        for k in ("ad_campaign_id", "ad_group_id", "ad_id")
    }
    final_url = np.full(len(sessions), None, dtype=object)
    for channel in AD_CHANNELS:
        mask = (sessions.channel == channel).to_numpy()
        pool = ads[ads.channel == channel].reset_index(drop=True)
        weight = rng.pareto(1.5, len(pool)) + 1.0
        pick = rng.choice(len(pool), size=int(mask.sum()), p=weight / weight.sum())
        at = sessions.started_at.to_numpy()[mask]
        ended = pool.ended_at.to_numpy()[pick]
        live = (pool.created_at.to_numpy()[pick] <= at) & (np.isnat(ended) | (at < ended))
        first_campaign = pool.ad_campaign_id == pool.ad_campaign_id.min()
        fallback = rng.choice(np.flatnonzero(first_campaign), size=int(mask.sum()))
        pick = np.where(live, pick, fallback)
        for k in ids:
            ids[k][mask] = pool[k].to_numpy()[pick]
        out["ad_platform"][mask] = pool.ad_platform.to_numpy()[pick]
        final_url[mask] = pool.final_url.to_numpy()[pick]
    camp_names = tree["ad_campaigns"].set_index("ad_campaign_id").name
    result = sessions.assign(
        ad_platform=out["ad_platform"],
        **{k: pd.array(np.where(v < 0, pd.NA, v), dtype="Int64") for k, v in ids.items()},
        ad_final_url=final_url,
    )
    result["ad_campaign_name"] = result.ad_campaign_id.map(camp_names)
    return result


def _landing(config: WorldConfig, rng, s: pd.DataFrame, calendar: pd.DataFrame) -> pd.DataFrame:
    """The UTM/click-id/referrer fields and landing URL each channel produces."""
    n = len(s)
    ch = s.channel.to_numpy()
    none = np.full(n, None, dtype=object)
    src, med, camp, content, term = none.copy(), none.copy(), none.copy(), none.copy(), none.copy()
    gclid, fbclid, ref = none.copy(), none.copy(), none.copy()
    ad_slug = slug(s.ad_campaign_name.fillna("")).to_numpy()

    google = np.isin(ch, ["paid_search", "display", "video"])
    gclid[google] = tokens(rng, int(google.sum()), 40, "Cj0KCQjw", "b64url")
    tagged = google & ((ch != "paid_search") | (rng.random(n) < 0.55))  # search: UTM often absent
    src[tagged] = "google"
    med[tagged] = (
        pd.Series(ch[tagged])
        .map({"paid_search": "cpc", "display": "display", "video": "video"})
        .to_numpy()
    )
    camp[tagged] = ad_slug[tagged]
    search = ch == "paid_search"
    term[search & tagged] = _choice(rng, vocab.SEARCH_TERMS, int((search & tagged).sum()))
    ref[search] = "https://www.google.com/"
    ref[ch == "video"] = "https://www.youtube.com/"
    ref[ch == "display"] = _choice(
        rng,
        ["https://www.nytimes.com/", "https://www.theverge.com/", None],
        int((ch == "display").sum()),
    )

    social = ch == "paid_social"
    k = int(social.sum())
    fbclid[social] = tokens(rng, k, 55, "IwAR", "b64url")
    insta = rng.random(k) < 0.3
    src[social] = np.where(insta, "instagram", "facebook")
    med[social] = "paid_social"
    camp[social] = ad_slug[social]
    content[social] = (
        slug(pd.Series(s.ad_id[social].astype("string").fillna(""))).radd("ad-").to_numpy()
    )
    ref[social] = np.where(insta, "https://l.instagram.com/", "https://l.facebook.com/")

    organic = ch == "organic_search"
    ref[organic] = _choice(rng, _SEARCH_REFERRERS, int(organic.sum()), [0.85, 0.1, 0.05])
    referral = ch == "referral"
    ref[referral] = _choice(rng, vocab.REFERRAL_SITES, int(referral.sum()))

    email = ch == "email"
    campaign_idx = (
        np.searchsorted(calendar.sent_at.to_numpy(), s.started_at.to_numpy(), "right") - 1
    )
    campaign_idx = np.clip(campaign_idx, 0, len(calendar) - 1)
    email_campaign = np.where(email, calendar.email_campaign_id.to_numpy()[campaign_idx], -1)
    src[email], med[email] = "newsletter", "email"
    camp[email] = slug(calendar.name).to_numpy()[campaign_idx[email]]
    sms = ch == "sms"
    src[sms], med[sms], camp[sms] = "sms", "sms", "spring-promo"
    aff = ch == "affiliates"
    src[aff] = _choice(rng, vocab.AFFILIATES, int(aff.sum()))
    med[aff], camp[aff] = "affiliate", "partner-program"

    path = _choice(rng, [p for p, _ in vocab.PAGES[:_LANDING]], n, vocab.PAGE_WEIGHTS[:_LANDING])
    path = np.where(s.ad_final_url.notna(), s.ad_final_url.str.removeprefix(vocab.SITE), path)
    query = pd.Series([""] * n)
    for name, values in (
        ("utm_source", src),
        ("utm_medium", med),
        ("utm_campaign", camp),
        ("utm_content", content),
        ("utm_term", term),
        ("gclid", gclid),
        ("fbclid", fbclid),
    ):
        present = pd.notna(values)
        piece = name + "=" + pd.Series(values).fillna("").str.replace(" ", "+")
        joined = np.where(query == "", piece, query + "&" + piece)
        query = pd.Series(np.where(present, joined, query))
    search_str = np.where(query == "", "", "?" + query)
    return s.assign(
        utm_source=src,
        utm_medium=med,
        utm_campaign=camp,
        utm_content=content,
        utm_term=term,
        gclid=gclid,
        fbclid=fbclid,
        referrer=ref,
        landing_path=path,
        search=search_str,
        landing_url=vocab.SITE + pd.Series(path) + search_str,
        email_campaign_id=email_campaign,
        email_send_id=pd.NA,
    )


def sessions(config: WorldConfig, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All sessions, ordered and numbered by (started_at, person_id)."""
    rng = stream(config.seed, "sessions")
    people = tables["people"]
    s = _session_times(config, rng, people)
    s["channel"] = _channels(config, rng, s, people)
    s["anonymous_id"] = _devices(rng, s, tables["devices"])
    s = _attach_ads(rng, s, tables)
    s = _landing(config, rng, s, tables["email_campaigns"])
    s = s.sort_values(["started_at", "person_id"], kind="stable", ignore_index=True)
    s.insert(0, "session_id", np.arange(1, len(s) + 1, dtype=np.int64))
    return s


def pageviews(config: WorldConfig, s: pd.DataFrame) -> pd.DataFrame:
    """Page views of every session; signup sessions (``s.is_signup``) end on /signup."""
    rng = stream(config.seed, "pageviews")
    signup = s.is_signup.to_numpy()
    counts = rng.geometric(1.0 / config.mean_pages_per_session, len(s)) + signup
    parent, ordinal = repeat_index(counts)
    n = len(parent)
    gap = rng.lognormal(np.log(config.pageview_gap_median_seconds), 1.0, n)
    near_cutoff = rng.random(n) < config.near_cutoff_gap_share
    gap = np.where(near_cutoff, rng.uniform(25 * 60, 35 * 60, n), gap)
    gap[ordinal == 0] = 0.0
    offset = pd.Series(gap).groupby(parent).cumsum().to_numpy()
    occurred = s.started_at.to_numpy()[parent] + seconds(offset)
    is_last = np.r_[parent[1:] != parent[:-1], True]
    paths = np.asarray([p for p, _ in vocab.PAGES] + ["/signup"], dtype=object)
    titles = np.asarray([t for _, t in vocab.PAGES] + ["Sign up – Roundtrip Cloud"], dtype=object)
    page = rng.choice(
        len(vocab.PAGES), size=n, p=np.asarray(vocab.PAGE_WEIGHTS) / sum(vocab.PAGE_WEIGHTS)
    )
    page = np.where(is_last & signup[parent], len(vocab.PAGES), page)
    path = paths[page]
    first = ordinal == 0
    path = np.where(first, s.landing_path.to_numpy()[parent], path)
    title = pd.Series(path).map(dict(zip(paths, titles, strict=True))).to_numpy()
    url = vocab.SITE + pd.Series(path)
    url_with_query = np.where(first, s.landing_url.to_numpy()[parent], url)
    prev_url = np.r_[None, url_with_query[:-1]]
    referrer = np.where(first, s.referrer.to_numpy()[parent], prev_url)
    frame = pd.DataFrame(
        {
            "session_id": s.session_id.to_numpy()[parent],
            "person_id": s.person_id.to_numpy()[parent],
            "anonymous_id": s.anonymous_id.to_numpy()[parent],
            "occurred_at": occurred,
            "url": url_with_query,
            "path": path,
            "title": title,
            "referrer": referrer,
            "search": np.where(first, s.search.to_numpy()[parent], ""),
        }
    )
    frame = frame[frame.occurred_at < ts(config.end)]
    return frame.reset_index(drop=True)
