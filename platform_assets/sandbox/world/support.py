"""Support tickets with their status history and CSAT (Zendesk's view of the customers).

Signed-up people file tickets as a Poisson process (customers more often, while subscribed).
A ticket moves new → open → (pending) → solved → closed; on solve a satisfaction survey is
offered and a share answer good/bad before the ticket closes four days later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from platform_assets.sandbox.world import vocab
from platform_assets.sandbox.world.config import WorldConfig
from platform_assets.sandbox.world.rand import (
    days,
    lognormal_days,
    repeat_index,
    seconds,
    stream,
    ts,
)

NAT = np.datetime64("NaT")
_MONTH = np.timedelta64(30 * 86_400_000_000, "us")


def _exposures(config: WorldConfig, f: pd.DataFrame, subs: pd.DataFrame) -> pd.DataFrame:
    """(person, from, to, tickets per month) stretches: free use after signup, paid use after."""
    end = ts(config.end)
    free = pd.DataFrame(
        {
            "person_id": f.person_id,
            "from": f.signup_at,
            "to": end,
            "rate": config.tickets_per_free_user_month,
        }
    )
    stop = subs.churn_at.to_numpy()
    paid = pd.DataFrame(
        {
            "person_id": subs.person_id,
            "from": subs.created_at,
            "to": np.where(np.isnat(stop), end, stop),
            "rate": config.tickets_per_customer_month,
        }
    )
    return pd.concat([free, paid], ignore_index=True)


def tickets(config: WorldConfig, f, subs, people, employees) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = stream(config.seed, "tickets")
    end = ts(config.end)
    ex = _exposures(config, f, subs)
    span = ex["to"].to_numpy() - ex["from"].to_numpy()
    counts = rng.poisson(ex.rate.to_numpy() * (span / _MONTH))
    parent, _ = repeat_index(counts)
    n = len(parent)
    created = ex["from"].to_numpy()[parent] + rng.random(n) * span[parent]
    t = pd.DataFrame({"person_id": ex.person_id.to_numpy()[parent], "created_at": created})
    t = t.sort_values(["created_at", "person_id"], ignore_index=True)
    t.insert(0, "ticket_id", np.arange(1, n + 1, dtype=np.int64))
    created = t.created_at.to_numpy()  # in ticket_id order, like every array derived below
    t["company_id"] = t.person_id.map(people.set_index("person_id").company_id).astype("Int64")
    t["subject"] = rng.choice(np.array(vocab.TICKET_SUBJECTS, dtype=object), n)
    t["priority"] = rng.choice(
        np.array(["low", "normal", "high", "urgent"]), n, p=[0.25, 0.5, 0.2, 0.05]
    )
    t["ticket_type"] = rng.choice(
        np.array(["question", "incident", "problem", "task"]), n, p=[0.5, 0.2, 0.15, 0.15]
    )
    t["via_channel"] = rng.choice(
        np.array(["email", "web", "chat", "api"]), n, p=[0.5, 0.3, 0.15, 0.05]
    )
    agents = employees.employee_id[employees.role == "support_agent"].to_numpy()
    t["assignee_id"] = agents[rng.integers(0, len(agents), n)]

    opened = created + seconds(rng.lognormal(np.log(1800), 1.0, n))
    solved = opened + days(lognormal_days(rng, 1.0, 1.1, n))
    pending = np.where(rng.random(n) < 0.4, opened + (solved - opened) / 2, NAT)
    rated = rng.random(n) < config.csat_response_share
    rated_at = solved + seconds(rng.uniform(3600, 3.5 * 86_400, n))
    closed = solved + days(4.0)
    score = np.where(rng.random(n) < 0.8, "good", "bad")
    t["solved_at"] = np.where(solved < end, solved, NAT)
    is_rated = rated & (rated_at < end)
    t["satisfaction"] = np.where(is_rated, score, np.where(solved < end, "offered", "unoffered"))
    t["satisfaction_at"] = np.where(is_rated, rated_at, NAT)

    ids = t.ticket_id.to_numpy()
    final_score = np.where(rated, score, "offered")
    steps = (
        (created, "new", "unoffered"),
        (opened, "open", "unoffered"),
        (pending, "pending", "unoffered"),
        (solved, "solved", "offered"),
        (np.where(rated, rated_at, NAT), "solved", score),
        (closed, "closed", final_score),
    )
    v = pd.concat(
        [
            pd.DataFrame(
                {"ticket_id": ids, "changed_at": at, "status": status, "satisfaction_score": sat}
            )
            for at, status, sat in steps
        ],
        ignore_index=True,
    )
    at = v.changed_at.to_numpy()
    v = v[~np.isnat(at) & (at < end)].sort_values(["ticket_id", "changed_at"], ignore_index=True)
    return t, v
