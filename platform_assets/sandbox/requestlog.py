"""What the sandbox served: per-API totals and the most recent requests.

Tests and benchmarks count work from the API's side ("the re-run fetched 0 rows", "20% of
requests were faulted"), so the totals sum every response's ``rows`` and count statuses, fault
kinds and rate-limit refusals (counted apart: an API may refuse with a status other than 429);
recent entries keep enough detail (path, query, duration) to see what a connector did.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

RECENT_ENTRIES = 1000


@dataclass(frozen=True)
class LogEntry:
    api: str
    method: str
    path: str
    query: str
    status: int
    rows: int
    fault: str | None
    rate_limited: bool  # refused by the API's rate limit, whatever status its refusal carries
    duration_ms: float
    written: tuple[str, ...] = ()  # keys of the records a write stored (ApiResponse.written)


class RequestLog:
    """Thread-safe request log; totals cover every request since the last :meth:`clear`."""

    def __init__(self, keep: int = RECENT_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._keep = keep
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._entries: deque[LogEntry] = deque(maxlen=self._keep)
            self._totals: dict[str, dict[str, Any]] = {}

    def record(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)
            totals = self._totals.setdefault(
                entry.api,
                {
                    "requests": 0,
                    "rows": 0,
                    "written": 0,
                    "by_status": {},
                    "faults": {},
                    "rate_limited": 0,
                },
            )
            totals["requests"] += 1
            totals["rows"] += entry.rows
            totals["written"] += len(entry.written)
            status = str(entry.status)
            totals["by_status"][status] = totals["by_status"].get(status, 0) + 1
            totals["rate_limited"] += entry.rate_limited
            if entry.fault:
                totals["faults"][entry.fault] = totals["faults"].get(entry.fault, 0) + 1

    def snapshot(self, api: str | None = None, limit: int = RECENT_ENTRIES) -> dict[str, Any]:
        """JSON-ready view: overall and per-API totals and the newest ``limit`` entries."""
        with self._lock:
            totals = {
                name: {**t, "by_status": dict(t["by_status"]), "faults": dict(t["faults"])}
                for name, t in self._totals.items()
                if api is None or name == api
            }
            entries = [asdict(e) for e in self._entries if api is None or e.api == api]
        return {
            "requests": sum(t["requests"] for t in totals.values()),
            "rows": sum(t["rows"] for t in totals.values()),
            "written": sum(t["written"] for t in totals.values()),
            "apis": totals,
            "entries": entries[-limit:] if limit > 0 else [],
        }
