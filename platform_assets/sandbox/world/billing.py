"""Money: the price catalogue, subscriptions and their versions, invoices and refunds.

Won deals buy annual Business/Pro seats; a share of self-serve signups buy a monthly (sometimes
annual) plan. Each subscription lives until a Weibull churn time, may be reactivated after a
log-normal pause, and meanwhile expands/contracts seats as a Poisson process. Invoices are issued
on calendar anniversaries (``add_months``) of each active stretch at the quantity then in force.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from platform_assets.sandbox.world.config import WorldConfig
from platform_assets.sandbox.world.rand import (
    add_months,
    days,
    lognormal_days,
    repeat_index,
    sample_at_least,
    seconds,
    stream,
    tokens,
    ts,
)

# (product, monthly cents per seat); annual prices are 10 months' worth.
_PRODUCTS = (("starter", "Starter", 2_900), ("pro", "Pro", 5_900), ("business", "Business", 9_900))
NAT = np.datetime64("NaT")


def annual_seat_price(product: str) -> float:
    """List price of one seat for a year, in currency units (what sales quotes)."""
    monthly = {key: cents for key, _, cents in _PRODUCTS}[product]
    return monthly * 10 / 100


def prices(config: WorldConfig) -> pd.DataFrame:
    rows = []
    created = ts(config.start) - np.timedelta64(400 * 86_400_000_000, "us")
    for key, name, monthly in _PRODUCTS:
        for interval, amount in (("month", monthly), ("year", monthly * 10)):
            rows.append(
                (
                    f"price_{key}_{interval}ly",
                    f"prod_{key}",
                    name,
                    f"{name} {interval}ly",
                    amount,
                    "usd",
                    interval,
                    1,
                    created,
                )
            )
    cols = [
        "price_id",
        "product_id",
        "product_name",
        "nickname",
        "unit_amount_cents",
        "currency",
        "recurring_interval",
        "interval_count",
        "created_at",
    ]
    return pd.DataFrame(rows, columns=cols)


def subscriptions(config: WorldConfig, f: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Who buys what, when (before versions): sales-won and self-serve subscriptions."""
    rng = stream(config.seed, "subscriptions")
    end = ts(config.end)
    n = len(f)
    won = ~np.isnat(f.won_at.to_numpy())
    sales_at = f.won_at.to_numpy() + days(lognormal_days(rng, 2.0, 0.5, n))
    self_serve = np.isnat(f.opportunity_at.to_numpy()) & (rng.random(n) < config.self_serve_rate)
    lag = config.self_serve_lag
    self_at = f.signup_at.to_numpy() + days(lognormal_days(rng, lag.median_days, lag.sigma, n))
    created = np.where(won, sales_at, np.where(self_serve, self_at, NAT))
    annual = np.where(won, True, rng.random(n) < 0.2)
    product = np.where(
        won,
        np.where(rng.random(n) < 0.8, "business", "pro"),
        np.where(rng.random(n) < 0.6, "starter", "pro"),
    )
    quantity = np.where(won, f.seats.to_numpy(), 1 + rng.geometric(0.5, n) - 1)
    out = pd.DataFrame(
        {
            "person_id": f.person_id.to_numpy(),
            "created_at": created,
            "price_id": "price_" + pd.Series(product) + np.where(annual, "_yearly", "_monthly"),
            "quantity": quantity.astype(np.int64),
        }
    )
    out = out[~np.isnat(out.created_at.to_numpy()) & (out.created_at < end)]
    out = out.sort_values(["created_at", "person_id"], ignore_index=True)
    m = len(out)
    out.insert(0, "subscription_id", tokens(rng, m, 14, "sub_"))
    out["subscription_item_id"] = tokens(rng, m, 14, "si_")
    company = people.set_index("person_id").company_id
    out["company_id"] = out.person_id.map(company).astype("Int64")
    return out


def lifecycle(config: WorldConfig, subs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(subscriptions with churn/reactivation columns, subscription_versions)."""
    rng = stream(config.seed, "lifecycle")
    end = ts(config.end)
    m = len(subs)
    created = subs.created_at.to_numpy()
    churn = created + days(
        config.churn_weibull_scale_days * rng.weibull(config.churn_weibull_shape, m)
    )
    churn = np.where(churn < end, churn, NAT)
    lag = config.reactivation_lag
    react = churn + days(lognormal_days(rng, lag.median_days, lag.sigma, m))
    react_ok = ~np.isnat(churn) & (rng.random(m) < config.reactivation_rate) & (react < end)
    react = np.where(react_ok, react, NAT)
    subs = subs.assign(churn_at=churn, reactivated_at=react)

    first_end = np.where(np.isnat(churn), end, churn)
    months = (first_end - created) / np.timedelta64(30 * 86_400_000_000, "us")
    rate = config.expansion_rate_per_month + config.contraction_rate_per_month
    n_changes = rng.poisson(rate * months)
    parent, _ = repeat_index(n_changes)
    k = len(parent)
    at = created[parent] + (rng.random(k) * (first_end - created)[parent])
    expand = rng.random(k) < config.expansion_rate_per_month / rate
    q0 = subs.quantity.to_numpy()
    delta = np.where(expand, np.maximum(1, np.round(q0[parent] * rng.uniform(0.05, 0.3, k))), -1)
    changes = pd.DataFrame({"i": parent, "changed_at": at, "delta": delta.astype(np.int64)})
    base = pd.DataFrame({"i": np.arange(m), "changed_at": created, "delta": q0, "kind": "new"})
    churn_rows = pd.DataFrame({"i": np.arange(m), "changed_at": churn, "delta": 0, "kind": "churn"})
    react_rows = pd.DataFrame(
        {"i": np.arange(m), "changed_at": react, "delta": 0, "kind": "reactivation"}
    )
    v = pd.concat([base, changes.assign(kind="change"), churn_rows, react_rows], ignore_index=True)
    v = v[~np.isnat(v.changed_at.to_numpy())].sort_values(["i", "changed_at"], ignore_index=True)
    v["quantity"] = np.maximum(1, v.groupby("i").delta.cumsum())
    previous = v.groupby("i").quantity.shift(1)
    kind = np.where(
        v.kind == "change",
        np.where(v.quantity > previous, "expansion", "contraction"),
        v.kind,
    )
    v = v.assign(change_type=kind)[(v.kind != "change") | (v.quantity != previous)]
    v["version"] = (v.groupby("i").cumcount() + 1).astype(np.int32)
    v["status"] = np.where(v.change_type == "churn", "canceled", "active")
    cols = ["subscription_id", "price_id", "subscription_item_id"]
    v = pd.concat([v.reset_index(drop=True), subs[cols].iloc[v.i].reset_index(drop=True)], axis=1)
    final_churn = np.isnat(react) & ~np.isnat(churn)
    subs = subs.assign(
        canceled_at=np.where(final_churn, churn, NAT), ended_at=np.where(final_churn, churn, NAT)
    )
    return subs, v


def invoices(config: WorldConfig, subs: pd.DataFrame, versions: pd.DataFrame, price_table):
    """Invoices per billing period of every active stretch (amounts in cents), then refunds."""
    rng = stream(config.seed, "invoices")
    end = ts(config.end)
    churn = subs.churn_at.to_numpy()
    stretches = pd.concat(
        [
            pd.DataFrame(
                {
                    "i": np.arange(len(subs)),
                    "from": subs.created_at.to_numpy(),
                    "to": np.where(np.isnat(churn), end, churn),
                }
            ),
            pd.DataFrame(
                {"i": np.arange(len(subs)), "from": subs.reactivated_at.to_numpy(), "to": end}
            ),
        ],
        ignore_index=True,
    )
    stretches = stretches[~np.isnat(stretches["from"].to_numpy())].reset_index(drop=True)
    price = price_table.set_index("price_id")
    yearly = subs.price_id.str.endswith("_yearly").to_numpy()[stretches.i]
    step = np.where(yearly, 12, 1)
    span_days = (stretches["to"] - stretches["from"]).dt.days.to_numpy()
    n_periods = np.ceil((span_days + 1) / (28 * step)).astype(np.int64) + 1
    parent, k = repeat_index(n_periods)
    start = add_months(stretches["from"].to_numpy()[parent], k * step[parent])
    stop = add_months(stretches["from"].to_numpy()[parent], (k + 1) * step[parent])
    keep = start < stretches["to"].to_numpy()[parent]
    sub_i = stretches.i.to_numpy()[parent][keep]
    inv = pd.DataFrame(
        {
            "i": sub_i,
            "subscription_id": subs.subscription_id.to_numpy()[sub_i],
            "person_id": subs.person_id.to_numpy()[sub_i],
            "period_start": start[keep],
            "period_end": stop[keep],
            "price_id": subs.price_id.to_numpy()[sub_i],
        }
    ).sort_values(["period_start", "subscription_id"], ignore_index=True)
    in_force = pd.merge_asof(
        inv[["period_start", "subscription_id"]].reset_index(),
        versions[["changed_at", "subscription_id", "quantity"]].sort_values("changed_at"),
        left_on="period_start",
        right_on="changed_at",
        by="subscription_id",
    ).sort_values("index")
    n = len(inv)
    inv["quantity"] = in_force.quantity.to_numpy().astype(np.int64)
    inv["created_at"] = inv.period_start
    inv["amount_due_cents"] = (
        price.unit_amount_cents.reindex(inv.price_id).to_numpy() * inv.quantity
    )
    u = rng.random(n)
    paid_at = inv.created_at.to_numpy() + seconds(rng.lognormal(np.log(3600), 1.5, n))
    status = np.select([u < 0.015, u < 0.02], ["uncollectible", "void"], "paid")
    status = np.where((status == "paid") & (paid_at >= end), "open", status)
    status = np.where((status == "paid") & (rng.random(n) < 0.02), "open", status)
    inv["status"] = status
    inv["paid_at"] = np.where(status == "paid", paid_at, NAT)
    inv["amount_paid_cents"] = np.where(status == "paid", inv.amount_due_cents, 0)
    inv.insert(0, "invoice_id", tokens(rng, n, 14, "in_"))
    return inv, _refunds(config, rng, inv)


def _refunds(config: WorldConfig, rng, inv: pd.DataFrame) -> pd.DataFrame:
    """Refunds of paid invoices, within 30 days of payment (so none falls past the horizon)."""
    cutoff = ts(config.end) - np.timedelta64(30 * 86_400_000_000, "us")
    paid = inv[(inv.status == "paid") & (inv.paid_at < cutoff)]
    chosen = paid.iloc[sample_at_least(rng, len(paid), config.refund_share, 3)]
    n = len(chosen)
    full = rng.random(n) < 0.6
    partial = np.round(chosen.amount_paid_cents * rng.uniform(0.1, 0.9, n))
    amount = np.where(full, chosen.amount_paid_cents, partial)
    lag = np.minimum(lognormal_days(rng, 5.0, 0.9, n), 29.0)
    created = chosen.paid_at.to_numpy() + days(lag)
    reason = rng.choice(
        np.array(["requested_by_customer", "duplicate", "fraudulent"]), n, p=[0.75, 0.18, 0.07]
    )
    out = pd.DataFrame(
        {
            "refund_id": tokens(rng, n, 14, "re_"),
            "invoice_id": chosen.invoice_id.to_numpy(),
            "amount_cents": amount.astype(np.int64),
            "created_at": created,
            "reason": reason,
        }
    )
    return out
