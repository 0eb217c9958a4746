"""``roundtrip bench sync``: how fast the sync engine diffs, and how close it delivers to the
destination's rate ceiling.

- **Diff**: a 1M-row model (the HubSpot contacts sync's shape) against a snapshot that already
  holds it, with 1% of the rows changed, diffed in a fresh process so its peak RSS is the diff's
  own. Target: under 2 s.
- **Delivery**: a HubSpot contacts sync of new contacts into the sandbox's fake HubSpot, whose
  published limit is 100 requests per 10 s of 100 contacts each: a ceiling of 1,000 contacts a
  second. The share is the records delivered per second (the whole run, diff included) ÷ that
  ceiling. Target: at least 90%. It also prints how long the client waited on its own budget
  (near zero means the fake or the engine, not the limit, set the pace).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from bench.run import Emit, Progress, figure
from platform_assets.activation import diff, state
from platform_assets.activation.spec import SyncSpec, parse

BENCH_SYNC = "bench__contacts"
MODEL = f"bench.sync_{BENCH_SYNC}"


def bench_spec() -> SyncSpec:
    """The HubSpot contacts sync's mapping over the benchmark model."""
    return parse(
        BENCH_SYNC,
        {
            "model": f"sync_{BENCH_SYNC}",
            "relation": MODEL,
            "destination": "hubspot",
            "object": "contacts",
            "mode": "upsert",
            "primary_key": "email",
            "mapping": {
                "email": "email",
                "roundtrip_lead_score": "lead_score",
                "roundtrip_lead_decile": "lead_score_decile",
                "roundtrip_is_mql": "is_mql",
                "hs_google_click_id": "gclid",
                "industry": "industry",
                "roundtrip_lifetime_value": "lifetime_value",
            },
        },
        "bench",
    )


def build_model(con: duckdb.DuckDBPyConnection, rows: int, offset: int = 0) -> None:
    """``rows`` contacts shaped like the HubSpot sync model (deterministic values)."""
    con.execute("create schema if not exists bench")
    con.execute(
        f"""
        create or replace table {MODEL} as
        select
            'bench-' || (i + {offset}) || '@example.com' as email,
            round(((i * 7919) % 10000) / 10000.0, 4) as lead_score,
            cast(1 + (i * 7919) % 10 as integer) as lead_score_decile,
            i % 7 = 0 as is_mql,
            case when i % 3 = 0 then 'Cj0KCQiA' || md5(cast(i as varchar)) end as gclid,
            ['Software', 'Retail', 'Finance', 'Health'][1 + i % 4] as industry,
            cast((i % 5000) * 12.5 as decimal(18, 2)) as lifetime_value
        from range({rows}) as t(i)
        """
    )


def prepare_diff(path: Path, rows: int, changed_share: float) -> int:
    """A warehouse whose snapshot holds the whole model, then ``changed_share`` of it edited."""
    spec = bench_spec()
    con = duckdb.connect(str(path))
    try:
        build_model(con, rows)
        state.ensure(con, spec.name)
        diff.build(con, spec, full_resync=False, delete_cap=None)
        con.execute(
            f"""
            insert into {state.snapshot_table(spec.name)}
            select record_key, row_hash, null, now(), 'bench' from _sync_model
            """
        )
        step = max(1, round(1 / changed_share))
        con.execute(
            f"update {MODEL} set lead_score = lead_score + 1 where hash(email) % {step} = 0"
        )
        return con.execute(f"select count(*) from {MODEL} where lead_score >= 1").fetchall()[0][0]
    finally:
        con.close()


def measure_diff(path: Path) -> dict[str, Any]:
    """Diff once (in this process) and report the seconds, counts and peak RSS."""
    con = duckdb.connect(str(path))
    try:
        plan = diff.build(con, bench_spec(), full_resync=False, delete_cap=None)
    finally:
        con.close()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": plan.seconds,
        "added": plan.added,
        "changed": plan.changed,
        "removed": plan.removed,
        "peak_rss_mib": peak_kib / 1024,
    }


def bench_diff(emit: Emit, progress: Progress, rows: int = 1_000_000, share: float = 0.01) -> None:
    with tempfile.TemporaryDirectory(prefix="roundtrip-bench-sync-") as scratch:
        path = Path(scratch) / "warehouse.duckdb"
        progress(f"building a {rows:,}-row sync model and its snapshot, {share:.0%} changed")
        edited = prepare_diff(path, rows, share)
        progress("diffing in a fresh process")
        child = subprocess.run(
            [sys.executable, "-m", "bench.sync", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        measured = json.loads(child.stdout.strip().splitlines()[-1])
    if measured["changed"] != edited:
        raise AssertionError(f"the diff found {measured['changed']} changed rows, {edited} edited")
    emit(
        figure(
            "sync_diff_1pct_seconds",
            measured["seconds"],
            "s",
            rows=rows,
            changed=measured["changed"],
            target="< 2 s",
        )
    )
    emit(figure("sync_diff_1pct_peak_rss", measured["peak_rss_mib"], "MiB", rows=rows))


def bench_delivery(emit: Emit, progress: Progress, rows: int = 30_000) -> None:
    """Deliver ``rows`` new contacts to the fake HubSpot and compare with its rate ceiling."""
    from bench.run import environment
    from platform_assets.activation import destinations, engine
    from platform_assets.sandbox import world
    from platform_assets.sandbox.server import start_server
    from platform_assets.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="roundtrip-bench-delivery-") as scratch:
        home = Path(scratch)
        with environment(ROUNDTRIP_HOME=str(home), ROUNDTRIP_SCALE="tiny"):
            progress("generating a tiny world for the sandbox")
            world.generate(load_settings())
            server = start_server(load_settings(), port=0)
            try:
                settings = load_settings(sandbox_port=server.port)
                spec = bench_spec()
                destination = destinations.connect("hubspot", "contacts", settings)
                http = destination.http
                http.trace = []
                con = duckdb.connect(str(settings.warehouse_path))
                try:
                    build_model(con, rows)
                    progress(f"syncing {rows:,} new contacts to the fake HubSpot")
                    started = time.perf_counter()
                    result = engine.run(con, spec, destination)
                    elapsed = time.perf_counter() - started
                finally:
                    con.close()
                    destination.close()
                log = server.sandbox.log.snapshot("hubspot")
                served = log["apis"]["hubspot"]
                writes = [e["duration_ms"] for e in log["entries"] if e["method"] == "POST"]
                served["mean_ms"] = sum(writes) / len(writes)
            finally:
                server.stop()
    sent = [t for t in http.trace if t.method == "POST"]
    limit = destination.rate_limit
    ceiling = limit.requests / limit.per_seconds * destination.max_batch_size
    emit(
        figure(
            "sync_delivery_share_of_rate_ceiling",
            100 * result.succeeded / elapsed / ceiling,
            "%",
            records=result.succeeded,
            requests=len(sent),
            run_seconds=round(elapsed, 3),
            ceiling_records_per_s=ceiling,
            waited_for_budget_s=round(http.budget.waited, 3),
            fake_mean_ms_per_request=round(served["mean_ms"], 1),
            rate_limited=served["rate_limited"],
            target=">= 90%",
        )
    )
    emit(figure("sync_delivery_records_per_s", result.succeeded / elapsed, "records/s"))


def run_sync_bench(emit: Emit, progress: Progress, rows: int, delivery_rows: int) -> None:
    bench_diff(emit, progress, rows)
    bench_delivery(emit, progress, delivery_rows)


if __name__ == "__main__":  # the diff's fresh process: python -m bench.sync <warehouse>
    print(json.dumps(measure_diff(Path(sys.argv[1]))))
