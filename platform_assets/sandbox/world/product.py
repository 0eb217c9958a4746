"""The product itself: workspaces and their members (the app's Firestore data) and usage events
(what Amplitude records).

The first person of a company to sign up creates its workspace; colleagues who sign up later
join it. A workspace's plan is the best one any of its people pays for (``workspace_versions``).
Usage happens on active days, denser for paying customers than for free users.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from platform_assets.sandbox.world import vocab
from platform_assets.sandbox.world.config import WorldConfig
from platform_assets.sandbox.world.rand import (
    DAY_US,
    days,
    lognormal_days,
    repeat_index,
    seconds,
    stream,
    tokens,
    ts,
)

NAT = np.datetime64("NaT")


def workspaces(config: WorldConfig, f: pd.DataFrame, people: pd.DataFrame, companies, subs):
    """(workspaces, workspace_members, workspace_versions)."""
    rng = stream(config.seed, "workspaces")
    end = ts(config.end)
    who = f[["person_id", "signup_at"]].merge(
        people[["person_id", "company_id", "first_name"]], on="person_id"
    )
    who = who.sort_values(["signup_at", "person_id"], ignore_index=True)
    # People without a company each get their own workspace; colleagues share one.
    team = who.company_id.astype("float64").fillna(-who.person_id.astype("float64"))
    creator = ~team.duplicated().to_numpy()
    created = who.signup_at.to_numpy() + seconds(rng.lognormal(np.log(300), 0.8, len(who)))
    owners = who[creator & (created < end)].assign(created_at=created[creator & (created < end)])
    names = owners.company_id.map(companies.set_index("company_id").name)
    ws = pd.DataFrame(
        {
            "workspace_id": tokens(rng, len(owners), 20),
            "owner_person_id": owners.person_id.to_numpy(),
            "name": names.where(names.notna(), owners.first_name + "'s workspace").to_numpy(),
            "plan": "free",
            "created_at": owners.created_at.to_numpy(),
            "updated_at": owners.created_at.to_numpy(),
            "team": team[owners.index].to_numpy(),
        }
    )
    joined = who.signup_at.to_numpy() + seconds(rng.lognormal(np.log(600), 0.8, len(who)))
    members = who.assign(team=team, joined_at=joined).merge(
        ws[["team", "workspace_id", "owner_person_id", "created_at"]], on="team"
    )
    members = members[members.joined_at >= members.created_at]
    is_owner = members.person_id == members.owner_person_id
    role = np.where(is_owner, "owner", np.where(rng.random(len(members)) < 0.2, "admin", "member"))
    members = members.assign(
        role=role, joined_at=np.where(is_owner, members.created_at, members.joined_at)
    )
    members = members[["workspace_id", "person_id", "role", "joined_at"]]
    members = members[members.joined_at < end].sort_values(
        ["workspace_id", "person_id"], ignore_index=True
    )
    return ws.drop(columns="team"), members, _plan_versions(ws, members, subs)


# Plans by what they cost: a workspace shows the best plan any of its members pays for.
PLAN_RANK = {"free": 0, "starter": 1, "pro": 2, "business": 3}


def _plan_versions(ws: pd.DataFrame, members: pd.DataFrame, subs: pd.DataFrame) -> pd.DataFrame:
    """A workspace's plan over time: free at creation, then, at every change of a member's
    subscription, the best plan any member pays for (free when none does).

    A member's subscription events from before they joined count from the moment they join, in
    the order they happened, so several changes at one instant end in the member's latest state
    and each workspace has one version per instant (no tie for readers to break)."""
    product = subs.price_id.str.split("_").str[1]
    moments = ((subs.created_at, product), (subs.churn_at, "free"), (subs.reactivated_at, product))
    events = pd.concat(
        [
            pd.DataFrame({"person_id": subs.person_id, "happened_at": at, "plan": plan})
            for at, plan in moments
        ],
        ignore_index=True,
    )
    events = events[~np.isnat(events.happened_at.to_numpy())]
    events = events.merge(members[["workspace_id", "person_id", "joined_at"]], on="person_id")
    events["changed_at"] = np.maximum(events.happened_at.to_numpy(), events.joined_at.to_numpy())
    events = events.sort_values(
        ["workspace_id", "changed_at", "happened_at", "person_id"], ignore_index=True
    )
    rows: list[tuple] = []
    paying: dict[str, dict[int, str]] = {}
    for w, at, person, plan in zip(
        events.workspace_id, events.changed_at, events.person_id, events.plan, strict=True
    ):
        state = paying.setdefault(w, {})
        state[person] = plan
        rows.append((w, at, max(state.values(), key=PLAN_RANK.__getitem__)))
    created = ws[["workspace_id", "created_at"]].rename(columns={"created_at": "changed_at"})
    out = pd.concat(
        [created.assign(plan="free"), pd.DataFrame(rows, columns=list(created) + ["plan"])],
        ignore_index=True,
    )
    # One version per instant, the outcome of its last change (rows at one instant are in the
    # order they happened, creation first); then only the versions that change the plan.
    out = out.sort_values(["workspace_id", "changed_at"], kind="stable", ignore_index=True)
    out = out.drop_duplicates(["workspace_id", "changed_at"], keep="last", ignore_index=True)
    same = (out.workspace_id == out.workspace_id.shift()) & (out.plan == out.plan.shift())
    return out[~same.to_numpy()].reset_index(drop=True)


def product_events(config: WorldConfig, f: pd.DataFrame, people, devices, subs) -> pd.DataFrame:
    rng = stream(config.seed, "product")
    end = ts(config.end)
    n = len(f)
    paying = f.person_id.isin(subs.person_id).to_numpy()
    free_until = f.signup_at.to_numpy() + days(lognormal_days(rng, 21.0, 0.9, n))
    until = np.where(paying, end, np.minimum(free_until, end))
    span_days = (until - f.signup_at.to_numpy()) / np.timedelta64(DAY_US, "us")
    rate = np.where(paying, config.product_active_day_rate, config.product_active_day_rate / 3)
    active_days = rng.poisson(rate * np.maximum(span_days, 0))
    user, _ = repeat_index(active_days)
    k = len(user)
    day_start = f.signup_at.to_numpy()[user] + days(rng.random(k) * span_days[user])
    per_day = 1 + rng.poisson(config.mean_events_per_active_day - 1, k)
    day, _ = repeat_index(per_day)
    m = len(day)
    gap = rng.lognormal(np.log(40), 1.0, m)
    gap[np.r_[True, day[1:] != day[:-1]]] = 0.0
    occurred = day_start[day] + seconds(pd.Series(gap).groupby(day).cumsum().to_numpy())
    person = f.person_id.to_numpy()[user][day]
    main_device = devices.drop_duplicates("person_id").set_index("person_id").anonymous_id
    person_info = people.set_index("person_id")
    event_type = rng.choice(
        np.array(vocab.PRODUCT_EVENTS, dtype=object),
        m,
        p=np.asarray(vocab.PRODUCT_EVENT_WEIGHTS) / sum(vocab.PRODUCT_EVENT_WEIGHTS),
    )
    session_ms = (day_start[day].astype("datetime64[ms]").astype(np.int64)).astype(np.int64)
    duration = rng.integers(80, 4000, m).astype(str)
    props = np.where(event_type == "query_run", '{"duration_ms": ' + duration + "}", "{}")
    out = pd.DataFrame(
        {
            "person_id": person,
            "user_id": person_info.user_id.reindex(person).to_numpy(),
            "device_id": main_device.reindex(person).to_numpy(),
            "event_type": event_type,
            "occurred_at": occurred,
            "amplitude_session_id": session_ms,
            "platform": "Web",
            "country": person_info.country.reindex(person).to_numpy(),
            "event_properties": props,
        }
    )
    out = out[out.occurred_at < end].sort_values(
        ["occurred_at", "person_id"], kind="stable", ignore_index=True
    )
    out.insert(0, "event_id", np.arange(1, len(out) + 1, dtype=np.int64))
    return out
