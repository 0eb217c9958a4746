"""Which days a daily ads report still has to load.

Ads platforms (Facebook Ads, Google Ads) report by day and only complete days are final, so the
cursor of a daily report is the last day loaded: a run asks from the day after it up to the
account's last complete day; a first run reaches back as far as the platform keeps reports.
"""

from __future__ import annotations

from datetime import date, timedelta


def days_to_load(
    last_complete: date | None, last_loaded: str | None, history_days: int
) -> tuple[date, date] | None:
    """(first, last) day still to load, or None when the account has nothing new (or no days).

    ``last_loaded`` is the cursor (an ISO date, None before the first load); ``history_days``
    is how far back a first load reaches from ``last_complete``.
    """
    if last_complete is None:
        return None
    since = (
        date.fromisoformat(last_loaded) + timedelta(days=1)
        if last_loaded
        else last_complete - timedelta(days=history_days)
    )
    return (since, last_complete) if since <= last_complete else None
