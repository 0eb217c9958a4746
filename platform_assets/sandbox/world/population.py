"""Who exists: companies, the people who visit (with their devices), and our own employees.

People are numbered by first visit, so person ids (and everything keyed on them) are stable for a
seed. Identity noise starts here: several devices per person, ~1% of devices shared by two
people, personal-mail people without a company, and emails as typed with case/space variants.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from platform_assets.sandbox.world import vocab
from platform_assets.sandbox.world.config import WorldConfig
from platform_assets.sandbox.world.rand import seasonal_times, stream, ts, uuids

Tables = dict[str, pd.DataFrame]


def _pick(rng: np.random.Generator, options, n: int, p=None) -> np.ndarray:
    values = np.asarray(options, dtype=object)
    weights = None if p is None else np.asarray(p, dtype=float) / np.sum(p)
    return values[rng.choice(len(values), size=n, p=weights)]


def _dedupe_suffix(base: pd.Series) -> pd.Series:
    """'' for the first occurrence of a value, then '2', '3', ... (keeps names/emails unique)."""
    k = base.groupby(base, sort=False).cumcount()
    return k.map(lambda i: "" if i == 0 else str(i + 1))


def email_variants(rng: np.random.Generator, emails: pd.Series, share: float) -> pd.Series:
    """Emails as people type them: a share in Title case, UPPER case or with stray spaces."""
    kind = rng.choice(4, size=len(emails), p=[1 - share, share * 0.45, share * 0.2, share * 0.35])
    out = emails.copy()
    out[kind == 1] = emails[kind == 1].str.capitalize()
    out[kind == 2] = emails[kind == 2].str.upper()
    out[kind == 3] = " " + emails[kind == 3] + " "
    return out


def people_and_companies(config: WorldConfig) -> Tables:
    rng = stream(config.seed, "people")
    n = config.total_visitors
    days = config.history_days + config.future_days
    first_seen = np.sort(seasonal_times(rng, config.start, days, n))
    weights = config.weights()
    channels = list(weights)
    first_channel = _pick(rng, channels, n, [weights[c] for c in channels])

    n_comp = max(5, n // 7)
    popularity = rng.pareto(1.3, n_comp) + 1.0
    company = rng.choice(n_comp, size=n, p=popularity / popularity.sum())
    has_company = rng.random(n) >= config.no_company_share
    people = pd.DataFrame(
        {
            "person_id": np.arange(1, n + 1, dtype=np.int64),
            "first_seen_at": first_seen,
            "first_channel": first_channel,
            "raw_company": np.where(has_company, company, -1),
        }
    )
    used = people[people.raw_company >= 0].groupby("raw_company").first_seen_at.min()
    used = used.reset_index().sort_values(["first_seen_at", "raw_company"], kind="stable")
    m = len(used)
    head = _pick(rng, vocab.COMPANY_HEADS, m)
    tail = _pick(rng, vocab.COMPANY_TAILS, m)
    base = pd.Series(head + " " + tail)
    suffix = _dedupe_suffix(base)
    companies = pd.DataFrame(
        {
            "company_id": np.arange(1, m + 1, dtype=np.int64),
            "name": (base + np.where(suffix == "", "", " " + suffix)).to_numpy(),
            "domain": (
                pd.Series(head).str.lower() + pd.Series(tail).str.lower() + suffix + ".com"
            ).to_numpy(),
            "industry": _pick(rng, vocab.INDUSTRIES, m),
            "employee_count": np.minimum(rng.pareto(1.1, m) * 40 + 5, 50_000).astype(np.int32),
            "country": _pick(rng, vocab.COUNTRIES, m, vocab.COUNTRY_WEIGHTS),
            "created_at": used.first_seen_at.to_numpy(),
        }
    )
    remap = pd.Series(companies.company_id.to_numpy(), index=used.raw_company.to_numpy())
    people["company_id"] = people.raw_company.map(remap).astype("Int64")

    first = _pick(rng, vocab.FIRST_NAMES, n)
    last = _pick(rng, vocab.LAST_NAMES, n)
    domain_by_company = pd.Series(companies.domain.to_numpy(), index=companies.company_id)
    domain = people.company_id.map(domain_by_company)
    free = pd.Series(_pick(rng, vocab.FREE_MAIL, n))
    domain = domain.where(domain.notna(), free)
    local = pd.Series(first).str.lower() + "." + pd.Series(last).str.lower()
    email = local + "@" + domain
    email = local + _dedupe_suffix(email) + "@" + domain
    country = pd.Series(_pick(rng, vocab.COUNTRIES, n, vocab.COUNTRY_WEIGHTS))
    country_by_company = pd.Series(companies.country.to_numpy(), index=companies.company_id)
    from_company = people.company_id.map(country_by_company)
    people = people.assign(
        first_name=first,
        last_name=last,
        email=email.to_numpy(),
        email_as_typed=email_variants(rng, email, config.email_variant_share).to_numpy(),
        job_title=_pick(rng, vocab.JOB_TITLES, n),
        country=from_company.where(from_company.notna(), country).to_numpy(),
        user_id=None,
    ).drop(columns="raw_company")
    return {"people": people, "companies": companies}


def devices(config: WorldConfig, people: pd.DataFrame) -> pd.DataFrame:
    """Each person's devices (first one is their main one) plus second owners of shared ones."""
    rng = stream(config.seed, "devices")
    n_people = len(people)
    per_person = 1 + np.minimum(rng.poisson(config.mean_extra_devices, n_people), 3)
    owner = np.repeat(people.person_id.to_numpy(), per_person)
    first = np.r_[True, owner[1:] != owner[:-1]]
    n = len(owner)
    device_type = np.where(
        first,
        _pick(rng, ["desktop", "mobile"], n, [0.75, 0.25]),
        _pick(rng, ["mobile", "tablet", "desktop"], n, [0.6, 0.15, 0.25]),
    )
    is_mobile = device_type != "desktop"
    os_ = np.where(
        is_mobile,
        _pick(rng, ["iOS", "Android"], n, [0.55, 0.45]),
        _pick(rng, ["Mac OS X", "Windows", "Linux"], n, [0.45, 0.45, 0.1]),
    )
    browser = np.where(
        os_ == "iOS",
        "Mobile Safari",
        _pick(rng, ["Chrome", "Firefox", "Safari", "Edge"], n, [0.65, 0.1, 0.15, 0.1]),
    )
    skewed = rng.random(n) < config.skewed_clock_share
    skew = np.where(
        skewed,
        rng.choice([-1, 1], n) * np.minimum(rng.lognormal(np.log(300), 1.5, n), 172_800),
        np.round(rng.normal(0, 1.5, n)),
    ).astype(np.int32)
    table = pd.DataFrame(
        {
            "anonymous_id": uuids(rng, n),
            "person_id": owner,
            "device_type": device_type,
            "os": os_,
            "browser": browser,
            "is_shared": False,
            "clock_skew_seconds": skew,
        }
    )
    n_shared = round(config.shared_device_share * n)
    shared = rng.choice(n, size=n_shared, replace=False)
    second = rng.integers(1, n_people + 1, size=n_shared)
    second = np.where(second == owner[shared], second % n_people + 1, second)
    table.loc[shared, "is_shared"] = True
    extra = table.iloc[shared].assign(person_id=second)
    out = pd.concat([table, extra], ignore_index=True)
    return out.sort_values(["person_id", "anonymous_id"], kind="stable", ignore_index=True)


def employees(config: WorldConfig) -> pd.DataFrame:
    """Sales reps (HubSpot owners), support agents (Zendesk) and marketers, scaled gently."""
    rng = stream(config.seed, "employees")
    reps = int(np.clip(config.total_visitors // 4000, 4, 200))
    agents = int(np.clip(config.total_visitors // 6000, 3, 150))
    roles = np.array(["sales_rep"] * reps + ["support_agent"] * agents + ["marketer"] * 3)
    n = len(roles)
    first = _pick(rng, vocab.FIRST_NAMES, n)
    last = _pick(rng, vocab.LAST_NAMES, n)
    local = pd.Series(first).str.lower() + "." + pd.Series(last).str.lower()
    local = local + _dedupe_suffix(local)
    return pd.DataFrame(
        {
            "employee_id": np.arange(1, n + 1, dtype=np.int64),
            "first_name": first,
            "last_name": last,
            "email": (local + "@roundtrip.example").to_numpy(),
            "role": roles,
            "created_at": ts(config.start)
            - (rng.integers(30, 700, n) * 86_400_000_000).astype("timedelta64[us]"),
        }
    )
