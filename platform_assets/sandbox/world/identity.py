"""The event stream's identity layer: user ids, identify() calls and track events, plus the
delivery noise a CDP sees (message ids, client clock skew, late arrival, duplicate deliveries).

Signup happens inside a session: the signed_up track and an identify tying that session's
anonymous id to the new user id. From signup on, every page view of the person carries the user
id on whichever device it happens (the world keeps a signed-up person logged in everywhere, so
even a new device's first page view has it); the first later session on each other device also
sends a login identify, one second after it starts, tying that anonymous id to the user.
Before signup a person's events are anonymous.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from platform_assets.sandbox.world.config import WorldConfig
from platform_assets.sandbox.world.landing import BACKEND_EVENTS
from platform_assets.sandbox.world.rand import (
    days,
    lognormal_days,
    repeat_index,
    seconds,
    stream,
    ts,
    uuids,
)

_NPS_SCORES = np.array([0.02, 0.01, 0.02, 0.03, 0.03, 0.06, 0.08, 0.15, 0.22, 0.2, 0.18])


def user_ids(person_ids: np.ndarray) -> np.ndarray:
    """Opaque, unique product user ids (an odd multiplier is a bijection modulo 2**48)."""
    scrambled = (person_ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) & np.uint64(
        2**48 - 1
    )
    return np.array([f"usr_{v:012x}" for v in scrambled.tolist()], dtype=object)


def stamp_user_ids(pageviews: pd.DataFrame, people: pd.DataFrame, f: pd.DataFrame) -> pd.DataFrame:
    signup = pageviews.person_id.map(f.set_index("person_id").signup_at)
    uid = pageviews.person_id.map(people.set_index("person_id").user_id)
    return pageviews.assign(user_id=uid.where(pageviews.occurred_at >= signup).to_numpy())


def identifies(s: pd.DataFrame, f: pd.DataFrame, people: pd.DataFrame, companies) -> pd.DataFrame:
    who = people.set_index("person_id")
    at_signup = f.merge(
        s[["session_id", "anonymous_id"]], left_on="signup_session_id", right_on="session_id"
    )
    at_signup = at_signup[["person_id", "anonymous_id", "signup_at"]].rename(
        columns={"signup_at": "occurred_at"}
    )
    later = s.merge(f[["person_id", "signup_at"]], on="person_id")
    later = later[later.started_at > later.signup_at]
    later = later.merge(
        at_signup[["person_id", "anonymous_id"]], on="person_id", suffixes=("", "_signup")
    )
    later = later[later.anonymous_id != later.anonymous_id_signup]
    logins = later.groupby(["person_id", "anonymous_id"], as_index=False).started_at.min()
    logins["occurred_at"] = logins.started_at + seconds(1.0)
    out = pd.concat(
        [at_signup, logins[["person_id", "anonymous_id", "occurred_at"]]], ignore_index=True
    )
    out = out.sort_values(["occurred_at", "person_id", "anonymous_id"], ignore_index=True)
    p = who.reindex(out.person_id)
    company = p.company_id.map(companies.set_index("company_id").name)
    traits = [
        json.dumps(
            {
                "email": e,
                "first_name": fn,
                "last_name": ln,
                "title": t,
                "company": c if isinstance(c, str) else None,
            }
        )
        for e, fn, ln, t, c in zip(
            p.email_as_typed, p.first_name, p.last_name, p.job_title, company, strict=True
        )
    ]
    return out.assign(user_id=p.user_id.to_numpy(), traits=traits)


def track_events(config: WorldConfig, s, f, people, devices, workspaces, subs) -> pd.DataFrame:
    """signed_up, trial_started, workspace_created, demo_requested, nps_survey_submitted."""
    rng = stream(config.seed, "tracks")
    end = ts(config.end)
    anon = s.set_index("session_id").anonymous_id
    main_device = devices.drop_duplicates("person_id").set_index("person_id").anonymous_id
    sid = f.signup_session_id.to_numpy()
    frames = [
        pd.DataFrame(
            {
                "person_id": f.person_id,
                "event": "signed_up",
                "occurred_at": f.signup_at,
                "session_id": sid,
                "properties": '{"plan": "free"}',
            }
        ),
        pd.DataFrame(
            {
                "person_id": f.person_id,
                "event": "trial_started",
                "occurred_at": f.signup_at + pd.Timedelta(seconds=30),
                "session_id": sid,
                "properties": '{"trial_days": 14}',
            }
        ),
    ]
    ws = workspaces.merge(
        f[["person_id", "signup_session_id"]], left_on="owner_person_id", right_on="person_id"
    )
    frames.append(
        pd.DataFrame(
            {
                "person_id": ws.person_id,
                "event": "workspace_created",
                "occurred_at": ws.created_at,
                "session_id": ws.signup_session_id,
                "properties": '{"workspace_id": "' + ws.workspace_id + '"}',
            }
        )
    )
    mql = f[f.mql_at.notna()]
    frames.append(
        pd.DataFrame(
            {
                "person_id": mql.person_id,
                "event": "demo_requested",
                "occurred_at": mql.mql_at,
                "session_id": pd.NA,
                "properties": '{"form": "book_a_demo"}',
            }
        )
    )
    frames.append(_nps(config, rng, subs))
    ev = pd.concat(frames, ignore_index=True)
    ev = ev[ev.occurred_at < end]
    ev["session_id"] = ev.session_id.astype("Int64")
    ev["anonymous_id"] = np.where(
        ev.session_id.notna(),
        ev.session_id.map(anon).to_numpy(),
        ev.person_id.map(main_device).to_numpy(),
    )
    ev["user_id"] = ev.person_id.map(people.set_index("person_id").user_id).to_numpy()
    return ev.sort_values(["occurred_at", "person_id", "event"], ignore_index=True)


def _nps(config: WorldConfig, rng, subs: pd.DataFrame) -> pd.DataFrame:
    """Surveys 30 days into a subscription and every 90 days while it is active."""
    end = ts(config.end)
    stop = subs.churn_at.to_numpy()
    stop = np.where(np.isnat(stop), end, stop)
    first = subs.created_at.to_numpy() + days(30.0)
    span = (stop - first) / np.timedelta64(90 * 86_400_000_000, "us")
    count = np.where(first < stop, np.floor(span).astype(np.int64) + 1, 0)
    sub_i, k = repeat_index(count)
    at = first[sub_i] + days(90.0 * k) + days(lognormal_days(rng, 0.5, 1.0, len(k)))
    answered = rng.random(len(k)) < config.nps_response_share
    score = rng.choice(11, size=len(k), p=_NPS_SCORES)
    return pd.DataFrame(
        {
            "person_id": subs.person_id.to_numpy()[sub_i],
            "event": "nps_survey_submitted",
            "occurred_at": at,
            "session_id": pd.NA,
            "properties": '{"score": ' + pd.Series(score).astype(str) + "}",
        }
    )[answered]


def deliver(
    config: WorldConfig, events: pd.DataFrame, devices: pd.DataFrame, name: str
) -> pd.DataFrame:
    """What the CDP receives: a message id per event, received_at (a share late by hours to
    days: the device queued them), sent_at and ~duplicate_message_share re-deliveries.

    sent_at is when the device sent the event, read on the device's clock: a moment of network
    latency before receipt, plus the device's clock skew. So RudderStack's
    ``timestamp = receivedAt - (sentAt - originalTimestamp)`` recovers the occurrence time (to
    within that latency) even for a late event. Server-side events (:data:`BACKEND_EVENTS`)
    come from the backend's clock, which is right: no skew."""
    rng = stream(config.seed, f"deliver_{name}")
    n = len(events)
    skew = events.anonymous_id.map(
        devices.drop_duplicates("anonymous_id").set_index("anonymous_id").clock_skew_seconds
    ).fillna(0)
    if "event" in events:
        skew = skew.where(~events.event.isin(BACKEND_EVENTS), 0)
    occurred = events.occurred_at.to_numpy()
    late = rng.random(n) < config.late_event_share
    delay = np.where(
        late, rng.lognormal(np.log(6 * 3600), 1.3, n), rng.lognormal(np.log(1.5), 0.6, n)
    )
    # The network latency: never longer than the delay itself (nothing arrives before it is sent).
    latency = np.minimum(rng.uniform(0.05, 0.5, n), delay)
    received = occurred + seconds(delay)
    out = events.assign(
        message_id=uuids(rng, n),
        sent_at=received + seconds(skew.to_numpy(dtype=np.float64) - latency),
        received_at=received,
    )
    dup = np.sort(rng.choice(n, size=round(config.duplicate_message_share * n), replace=False))
    again = out.iloc[dup].copy()
    # A re-delivery is the device sending the same message again later: both times move.
    retry = seconds(rng.lognormal(np.log(30), 1.0, len(dup)))
    again["received_at"] = again.received_at + retry
    again["sent_at"] = again.sent_at + retry
    both = pd.concat([out, again], ignore_index=True)
    return both.sort_values(["occurred_at", "message_id", "received_at"], ignore_index=True)
