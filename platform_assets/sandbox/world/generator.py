"""Generate the world's whole timeline into schema ``core`` (and the truth into ``sandbox_truth``).

The steps run in dependency order — people, the marketing plan, sessions, who signs up, page
views, the funnel, money, support, product, the event stream, delivery — each a vectorised
pandas/numpy module with its own random stream. Tables are bulk-inserted from DataFrames with
the exact columns and types of ``core_schema``, in key order, so one config gives one world.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd

from platform_assets.sandbox.world import (
    billing,
    campaigns,
    delivery,
    funnel,
    identity,
    population,
    product,
    support,
    web,
)
from platform_assets.sandbox.world.checksum import world_checksum
from platform_assets.sandbox.world.config import WorldConfig
from platform_assets.sandbox.world.core_schema import CORE_TABLES, TRUTH_TABLES

__all__ = ["generate_core", "world_checksum", "WorldConfig"]

# Canonical write order of every table (its key, or enough columns to make the order total).
ORDER_BY: dict[str, str] = {
    "companies": "company_id",
    "people": "person_id",
    "devices": "person_id, anonymous_id",
    "sessions": "session_id",
    "pageviews": "occurred_at, message_id, received_at",
    "track_events": "occurred_at, message_id, received_at",
    "identifies": "occurred_at, message_id, received_at",
    "product_events": "event_id",
    "funnel": "person_id",
    "employees": "employee_id",
    "contact_merges": "person_id",
    "email_campaigns": "email_campaign_id",
    "email_sends": "email_send_id",
    "prices": "price_id",
    "subscriptions": "subscription_id",
    "subscription_versions": "subscription_id, version",
    "invoices": "invoice_id",
    "refunds": "refund_id",
    "tickets": "ticket_id",
    "ticket_versions": "ticket_id, changed_at, status, satisfaction_score",
    "ad_campaigns": "ad_platform, ad_campaign_id",
    "ad_groups": "ad_platform, ad_group_id",
    "ads": "ad_platform, ad_id",
    "ad_daily": "ad_platform, ad_id, date",
    "ad_conversions": "ad_platform, ad_id, click_date, converted_at",
    "budgets": "month, channel",
    "targets": "month, metric",
    "workspaces": "workspace_id",
    "workspace_members": "workspace_id, person_id",
    "workspace_versions": "workspace_id, changed_at, plan",
    "channel_lift": "channel",
    "world_config": "key",
}


def columns(ddl: str) -> list[tuple[str, str]]:
    """(name, type) pairs of a core_schema column list."""
    out = []
    for part in ddl.split(","):
        words = part.split()
        out.append((words[0], words[1]))
    return out


def write_table(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, ddl: str, frame: pd.DataFrame
) -> int:
    """Create ``schema.name`` from its DDL and bulk-insert ``frame`` (extra columns ignored)."""
    cols = columns(ddl)
    con.execute(f"CREATE TABLE {schema}.{name} ({ddl})")
    view = f"_gen_{name}"
    con.register(view, frame[[c for c, _ in cols]])
    select = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in cols)
    con.execute(
        f"INSERT INTO {schema}.{name} SELECT {select} FROM {view} ORDER BY {ORDER_BY[name]}"
    )
    con.unregister(view)
    return len(frame)


def build(
    config: WorldConfig, progress: Callable[[str], None]
) -> tuple[dict[str, pd.DataFrame], float]:
    """Every core table as a DataFrame, plus the calibrated base log-odds of signing up."""
    t = population.people_and_companies(config)
    t["employees"] = population.employees(config)
    t["devices"] = population.devices(config, t["people"])
    progress("people")
    t.update(campaigns.ad_tree(config))
    t["email_campaigns"] = campaigns.email_calendar(config)
    s = web.sessions(config, t)
    s, base = funnel.choose_signups(config, s, len(t["people"]))
    progress("sessions")
    pv = web.pageviews(config, s)
    f = funnel.funnel(config, s, pv, t["employees"])
    signed_up = t["people"].person_id.isin(f.person_id).to_numpy()
    t["people"].loc[signed_up, "user_id"] = identity.user_ids(
        t["people"].person_id.to_numpy()[signed_up]
    )
    t["funnel"] = f
    t["contact_merges"] = funnel.contact_merges(config, f, t["people"])
    progress("funnel")
    t["email_sends"], s = delivery.email_sends(config, s, f, t["email_campaigns"])
    t["sessions"] = s
    t["budgets"] = delivery.budgets(config, s)
    t["ad_daily"] = delivery.ad_daily(config, s, t, t["budgets"])
    t["ad_conversions"] = delivery.ad_conversions(s, f)
    progress("marketing")
    t["prices"] = billing.prices(config)
    subs = billing.subscriptions(config, f, t["people"])
    subs, t["subscription_versions"] = billing.lifecycle(config, subs)
    t["subscriptions"] = subs
    t["invoices"], t["refunds"] = billing.invoices(
        config, subs, t["subscription_versions"], t["prices"]
    )
    t["targets"] = delivery.targets(config, f, subs, t["prices"])
    progress("billing")
    t["tickets"], t["ticket_versions"] = support.tickets(
        config, f, subs, t["people"], t["employees"]
    )
    ws, t["workspace_members"], t["workspace_versions"] = product.workspaces(
        config, f, t["people"], t["companies"], subs
    )
    t["workspaces"] = ws
    t["product_events"] = product.product_events(config, f, t["people"], t["devices"], subs)
    progress("support and product")
    devices = t["devices"]
    pv = identity.stamp_user_ids(pv, t["people"], f)
    t["pageviews"] = identity.deliver(config, pv, devices, "pageviews")
    ids = identity.identifies(s, f, t["people"], t["companies"])
    t["identifies"] = identity.deliver(config, ids, devices, "identifies")
    tracks = identity.track_events(config, s, f, t["people"], devices, ws, subs)
    t["track_events"] = identity.deliver(config, tracks, devices, "track_events")
    progress("event stream")
    return t, base


def truth(config: WorldConfig, base: float) -> dict[str, pd.DataFrame]:
    baseline = 1.0 / (1.0 + np.exp(-base))
    lifts = config.lifts()
    channel_lift = pd.DataFrame(
        {
            "channel": list(lifts),
            "lift": list(lifts.values()),
            "baseline_conversion_rate": baseline,
            "description": "log-odds added to the per-session signup hazard by each session "
            "from this channel (hazard = sigmoid(base + cumulative lift)); "
            "baseline_conversion_rate = sigmoid(base), the hazard with no lift",
        }
    )
    rows = config.as_rows() + [("calibrated_base_logit", json.dumps(base))]
    world_config = pd.DataFrame(rows, columns=["key", "value"])
    return {"channel_lift": channel_lift, "world_config": world_config}


def generate_core(
    con: duckdb.DuckDBPyConnection,
    config: WorldConfig,
    progress: Callable[[str], None] | None = None,
) -> None:
    """(Re)create schemas ``core`` and ``sandbox_truth`` of the world file from ``config``."""
    say = progress or (lambda _message: None)
    tables, base = build(config, say)
    for schema, specs, frames in (
        ("core", CORE_TABLES, tables),
        ("sandbox_truth", TRUTH_TABLES, truth(config, base)),
    ):
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        con.execute(f"CREATE SCHEMA {schema}")
        for name, ddl in specs.items():
            write_table(con, schema, name, ddl, frames[name])
    say("written")
