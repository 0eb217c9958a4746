"""Marketing delivery, computed from what visitors did: email sends (every email session is a
click on a send), daily ad delivery (clicks ≥ the sessions each ad produced that day, spend
around the month's budget), the conversions ad platforms claim for their clicks, and the
planning numbers kept in sheets (budgets, targets)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from platform_assets.sandbox.world.campaigns import live_ads
from platform_assets.sandbox.world.config import WorldConfig
from platform_assets.sandbox.world.rand import DAY_US, repeat_index, seconds, stream, ts

NAT = np.datetime64("NaT")
# Cost per visit used to plan monthly budgets, and click-through rates of the ad channels.
_COST_PER_VISIT = {
    "paid_search": 3.5,
    "paid_social": 1.8,
    "display": 0.9,
    "video": 1.2,
    "email": 0.15,
    "sms": 0.6,
    "affiliates": 4.0,
}
_CTR = {"paid_search": 0.045, "paid_social": 0.009, "display": 0.003, "video": 0.006}
_ATTRIBUTION_DAYS = 28  # ad platforms claim a conversion within 28 days of the click


def email_sends(config: WorldConfig, s: pd.DataFrame, f: pd.DataFrame, calendar: pd.DataFrame):
    """(email_sends, sessions with email_send_id): the list is every person signed up before a
    campaign, plus everyone who clicked it; unsubscribing drops a person from later sends."""
    rng = stream(config.seed, "email_sends")
    sent = calendar.sent_at.to_numpy()
    order = f.sort_values(["signup_at", "person_id"])
    known = np.searchsorted(order.signup_at.to_numpy(), sent, "left")
    c_idx, pos = repeat_index(known)
    listed = pd.DataFrame(
        {
            "email_campaign_id": calendar.email_campaign_id.to_numpy()[c_idx],
            "person_id": order.person_id.to_numpy()[pos],
        }
    )
    clicks = s[s.channel == "email"].groupby(["email_campaign_id", "person_id"], as_index=False)
    clicks = clicks.started_at.min().rename(columns={"started_at": "clicked_at"})
    sends = listed.merge(clicks, on=["email_campaign_id", "person_id"], how="outer")
    sends = sends.sort_values(["email_campaign_id", "person_id"], ignore_index=True)
    n = len(sends)
    clicked = sends.clicked_at.notna().to_numpy()
    unsub = ~clicked & (rng.random(n) < 0.003)
    first_unsub = sends[unsub].groupby("person_id").email_campaign_id.min()
    stop = sends.person_id.map(first_unsub).to_numpy(dtype=np.float64, na_value=np.inf)
    keep = clicked | (sends.email_campaign_id.to_numpy() <= stop)
    sends, unsub, clicked = sends[keep].reset_index(drop=True), unsub[keep], clicked[keep]
    n = len(sends)
    sent_at = sends.email_campaign_id.map(
        calendar.set_index("email_campaign_id").sent_at
    ).to_numpy()
    click_at = sends.clicked_at.to_numpy()
    delivered = clicked | (rng.random(n) < 0.98)
    delivered_at = sent_at + seconds(rng.lognormal(np.log(20), 0.6, n))
    delivered_at = np.where(clicked, np.minimum(delivered_at, click_at), delivered_at)
    opened = clicked | (delivered & (rng.random(n) < 0.22))
    open_at = np.where(
        clicked,
        np.maximum(delivered_at, click_at - seconds(rng.lognormal(np.log(90), 0.7, n))),
        delivered_at + seconds(rng.lognormal(np.log(6 * 3600), 1.2, n)),
    )
    end = ts(config.end)
    out = pd.DataFrame(
        {
            "email_send_id": np.arange(1, n + 1, dtype=np.int64),
            "email_campaign_id": sends.email_campaign_id.to_numpy(),
            "person_id": sends.person_id.to_numpy(),
            "sent_at": sent_at,
            "delivered_at": np.where(delivered, delivered_at, NAT),
            "opened_at": np.where(opened & (open_at < end), open_at, NAT),
            "clicked_at": click_at,
            "unsubscribed_at": np.where(unsub & delivered, delivered_at + seconds(600.0), NAT),
        }
    )
    out = out[out.sent_at < end].reset_index(drop=True)
    key = out.set_index(["email_campaign_id", "person_id"]).email_send_id
    link = pd.MultiIndex.from_arrays([s.email_campaign_id, s.person_id])
    send_id = key.reindex(link).to_numpy()
    s = s.assign(
        email_send_id=pd.array(np.where(s.channel == "email", send_id, np.nan)).astype("Int64")
    )
    return out, s


def budgets(config: WorldConfig, s: pd.DataFrame) -> pd.DataFrame:
    """Monthly budget per bought channel: the visits planned for the month × cost per visit."""
    rng = stream(config.seed, "budgets")
    paid = s[s.channel.isin(list(_COST_PER_VISIT))]
    month = paid.started_at.dt.to_period("M").dt.to_timestamp()
    visits = (
        paid.groupby([month.rename("month"), paid.channel]).size().rename("visits").reset_index()
    )
    noise = rng.lognormal(0.0, 0.08, len(visits))
    budget = np.round(visits.visits * visits.channel.map(_COST_PER_VISIT) * noise / 50) * 50
    out = visits.assign(budget=budget.astype(float))[["month", "channel", "budget"]]
    return out.sort_values(["month", "channel"], ignore_index=True)


def ad_daily(config: WorldConfig, s: pd.DataFrame, tree, budget) -> pd.DataFrame:
    """Daily delivery per ad from its launch to its campaign's end (or the horizon's)."""
    rng = stream(config.seed, "ad_daily")
    ads = live_ads(tree)
    ended = ads.ended_at.to_numpy().astype("datetime64[us]")
    end_day = np.where(np.isnat(ended), ts(config.end), ended).astype("datetime64[D]")
    first_day = ads.created_at.to_numpy().astype("datetime64[D]")
    n_days = (end_day - first_day).astype(np.int64)
    ad_i, k = repeat_index(n_days)
    grid = pd.DataFrame(
        {
            "ad_platform": ads.ad_platform.to_numpy()[ad_i],
            "ad_id": ads.ad_id.to_numpy()[ad_i],
            "channel": ads.channel.to_numpy()[ad_i],
            "date": (first_day[ad_i] + k).astype("datetime64[us]"),
        }
    )
    paid = s[s.ad_id.notna()]
    per_day = (
        paid.assign(date=paid.started_at.dt.floor("D"))
        .groupby(["ad_id", "date"], as_index=False)
        .agg(sessions=("session_id", "size"))
    )
    per_day["ad_id"] = per_day.ad_id.astype(np.int64)
    grid = grid.merge(per_day, on=["ad_id", "date"], how="left").fillna({"sessions": 0})
    n = len(grid)
    sessions = grid.sessions.to_numpy()
    clicks = sessions + rng.poisson(0.3 * sessions + 0.3)
    ctr = grid.channel.map(_CTR).to_numpy() * rng.lognormal(0.0, 0.3, n)
    impressions = np.maximum(clicks, np.round((clicks + 0.5) / ctr)).astype(np.int64)
    # Spend: the month's channel budget per day, shared among live ads by their traffic.
    grid["month"] = grid.date.dt.to_period("M").dt.to_timestamp()
    grid = grid.merge(budget, on=["month", "channel"], how="left").fillna({"budget": 0.0})
    days_in_month = grid.month.dt.days_in_month.to_numpy()
    weight = sessions + 0.5
    share = (
        weight / grid.assign(w=weight).groupby(["channel", "date"]).w.transform("sum").to_numpy()
    )
    spend = grid.budget.to_numpy() / days_in_month * share * rng.lognormal(0.0, 0.15, n)
    out = grid.assign(
        impressions=impressions, clicks=clicks.astype(np.int64), spend=np.round(spend, 2)
    )
    cols = ["ad_platform", "ad_id", "date", "impressions", "clicks", "spend"]
    return out[cols].sort_values(["ad_platform", "ad_id", "date"], ignore_index=True)


def ad_conversions(s: pd.DataFrame, f: pd.DataFrame) -> pd.DataFrame:
    """The conversions ad platforms claim: every ad click (paid session) whose person signed up
    within the attribution window after it, with the day of the click and the signup time.

    Kept per click with its time, not summed per day: a platform can only count a conversion
    once it happened, so a day's number grows for weeks (the APIs sum up to their clock)."""
    paid = s[s.ad_id.notna()].merge(f[["person_id", "signup_at"]], on="person_id")
    window = np.timedelta64(_ATTRIBUTION_DAYS * DAY_US, "us")
    converted = (paid.signup_at >= paid.started_at) & (paid.signup_at < paid.started_at + window)
    paid = paid[converted]
    out = pd.DataFrame(
        {
            "ad_platform": paid.ad_platform.to_numpy(),
            "ad_id": paid.ad_id.astype(np.int64).to_numpy(),
            "click_date": paid.started_at.dt.floor("D").to_numpy(),
            "converted_at": paid.signup_at.to_numpy(),
        }
    )
    return out.sort_values(list(out.columns), ignore_index=True)


def targets(config: WorldConfig, f: pd.DataFrame, subs: pd.DataFrame, price) -> pd.DataFrame:
    """Monthly targets a team would set: ~10% above what the month actually delivers."""
    rng = stream(config.seed, "targets")
    frames = []
    for metric, column in (
        ("signups", "signup_at"),
        ("mqls", "mql_at"),
        ("sqls", "sql_at"),
        ("won_deals", "won_at"),
    ):
        at = f[column].dropna()
        frames.append(at.dt.to_period("M").value_counts().rename(metric))
    monthly_cents = price.set_index("price_id").unit_amount_cents.reindex(subs.price_id).to_numpy()
    monthly_cents = np.where(
        subs.price_id.str.endswith("_yearly"), monthly_cents / 12, monthly_cents
    )
    new_mrr = pd.Series(monthly_cents * subs.quantity.to_numpy() / 100)
    frames.append(
        new_mrr.groupby(subs.created_at.dt.to_period("M").to_numpy()).sum().rename("new_mrr")
    )
    wide = pd.concat(frames, axis=1).fillna(0.0).sort_index()
    long = wide.stack().rename("actual").reset_index()
    long.columns = ["month", "metric", "actual"]
    target = np.round(long.actual.to_numpy() * rng.uniform(1.02, 1.18, len(long)))
    month = long.month.dt.to_timestamp()
    return pd.DataFrame({"month": month, "metric": long.metric, "target": target}).sort_values(
        ["month", "metric"], ignore_index=True
    )
