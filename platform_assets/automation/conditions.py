"""How everything below the raw layer keeps up: declarative automation conditions.

Raw SaaS assets run on cron jobs (:mod:`.schedules`) and the event stream on its landing sensor;
they get no condition. Everything they feed follows them:

- dbt models and seeds, the analytics assets, the ``sync_*`` models and the report get
  :func:`follow_upstream`: Dagster's ``eager()`` (run when a dependency updated or will be
  requested on the same tick; never while a dependency is missing or in progress, never twice at
  once; for a daily-partitioned asset only the latest day), **debounced** to at most one request
  per :data:`DEBOUNCE_CRON` window. Why debounce: in a live world the event stream lands a new
  file every few seconds, and plain eager would request the dbt multi-asset again after each
  one. With DuckDB's single writer every such run holds the lock, so ingestion would queue
  behind an endless dbt loop. Debounced, a burst of upstream updates becomes one dbt run per
  window, and because downstream assets see their parents' ``will_be_requested`` on the same
  tick, the whole cascade (staging → marts → analytics → sync models → syncs → report) is
  requested together as one run instead of one run per layer. Latency stays under the window,
  well inside the freshness policies. (``on_cron`` alone was rejected: it waits for *all*
  dependencies to update since the tick, so a mart reading a daily source would ignore hourly
  CRM changes all day.)
- ``analytics/lead_scoring_model`` retrains weekly, Monday 06:00 UTC (``on_cron``): retraining
  on every new lead would make scores jump between runs for no business reason; the scores
  themselves (``analytics/lead_scores``) follow the marts like the rest.
- An asset that already has a condition keeps it (the syncs set theirs: eager, or their own
  ``cron``), so an asset module's explicit choice always wins over this default.
- Daily-partitioned models (the incremental event staging models) get none: they are built in
  the runs that load their raw days (the landing sensor's job, backfills), day for day. Eager
  would only ever request the latest day, and a second run for a day the loading run already
  staged.

Retries are not set here: an ``AssetSpec`` carries no op retry policy. Ingestion steps retry
through their jobs' ``op_retry_policy`` (:mod:`.schedules`), sync steps through their asset's
``retry_policy``, and runs that crash are retried by the instance's ``run_retries``.
"""

import warnings
from collections.abc import Sequence

import dagster as dg

from platform_assets.automation.backfill import EVENT_DAYS

DEBOUNCE_CRON = "*/5 * * * *"
"""At most one automated request per five minutes per asset."""

LEAD_SCORING_RETRAIN_CRON = "0 6 * * 1"
"""Monday 06:00 UTC: the lead-scoring model is retrained weekly, before the sales week starts."""

LEAD_SCORING_MODEL = dg.AssetKey(["analytics", "lead_scoring_model"])

FOLLOWING_PREFIXES: Sequence[str] = ("analytics", "activation", "reports")
"""Key prefixes of the non-dbt assets that follow upstream (dbt assets are selected by kind)."""


def follow_upstream() -> dg.AutomationCondition:
    """``eager()``, requested at most once per :data:`DEBOUNCE_CRON` window, and not held back
    by unloaded event days. The event stream's assets (:data:`EVENT_DAYS`) have a partition per
    day from the world's start to yesterday by the wall clock, most never loaded (a day the CDP
    sent nothing, or one after the world's clock); ``eager()`` waits while any dependency is
    missing and would see those days as missing forever, never running the models that read
    the event stream. They read the days that are loaded."""
    eager = dg.AutomationCondition.eager().replace(
        "any_deps_missing", dg.AutomationCondition.any_deps_missing().ignore(EVENT_DAYS)
    )
    return (
        eager & dg.AutomationCondition.cron_tick_passed(DEBOUNCE_CRON).since_last_handled()
    ).with_label(f"eager, at most once per {DEBOUNCE_CRON}")


def weekly_retrain() -> dg.AutomationCondition:
    """The lead-scoring model's schedule."""
    return dg.AutomationCondition.on_cron(LEAD_SCORING_RETRAIN_CRON)


def downstream_selection() -> dg.AssetSelection:
    """Every asset below the raw layer: dbt models and seeds, analytics, sync models and syncs,
    the report."""
    return dg.AssetSelection.kind("dbt") | dg.AssetSelection.key_prefixes(
        *([prefix] for prefix in FOLLOWING_PREFIXES)
    )


def _with_condition(spec: dg.AssetSpec) -> dg.AssetSpec:
    if spec.automation_condition is not None or spec.partitions_def is not None:
        return spec
    condition = weekly_retrain() if spec.key == LEAD_SCORING_MODEL else follow_upstream()
    return spec.replace_attributes(automation_condition=condition)


def apply(defs: dg.Definitions) -> dg.Definitions:
    """``defs`` with an automation condition on every downstream asset that has none."""
    with warnings.catch_warnings():  # mapping resolved specs is "preview"; chosen knowingly
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return defs.map_resolved_asset_specs(func=_with_condition, selection=downstream_selection())
