"""Which days a daily ads report still has to load, and the cursor that remembers them.

Ads platforms (Facebook Ads, Google Ads) report by day and only complete days are final, so the
cursor of a daily report is the last complete day loaded, per account: a run asks from the day
after it up to the account's last complete day; a first run reaches back as far as the platform
keeps reports. A day is never re-asked just because it had no rows, so a re-run that finds no
new complete day asks nothing.

Conversions are the exception: a day's count grows for the length of the attribution window
after it, as the people who clicked convert. Reports that carry them re-read the trailing
window as well (as Fivetran's ads connectors do), but only when a new complete day has appeared,
and merge on their key, so every day still inside the window ends at the platform's number.
"""

from __future__ import annotations

from datetime import date, timedelta

import dlt

_CURSOR = "last_complete_day"  # the key of the cursor in a report resource's dlt state


def days_to_load(
    last_complete: date | None,
    last_loaded: str | None,
    history_days: int,
    restated_days: int = 0,
) -> tuple[date, date] | None:
    """(first, last) day to ask for, or None when the account has no new complete day.

    ``last_loaded`` is the cursor (an ISO date, None before the first load); ``history_days``
    is how far back a first load reaches from ``last_complete``; ``restated_days`` is the
    attribution window a report re-reads: the days up to the cursor whose numbers may have grown
    since it was loaded (a conversion at or after the cursor's next day belongs to a click at
    most that many days before).
    """
    if last_complete is None:
        return None
    if last_loaded is None:
        return last_complete - timedelta(days=history_days), last_complete
    loaded = date.fromisoformat(last_loaded)
    if loaded >= last_complete:
        return None
    return loaded + timedelta(days=1 - restated_days), last_complete


def last_loaded(account: str) -> str | None:
    """The last complete day the running report resource loaded for ``account`` (ISO date)."""
    return dlt.current.resource_state().get(_CURSOR, {}).get(account)


def mark_loaded(account: str, day: date) -> None:
    """Move the running report resource's cursor for ``account`` to ``day``. Call it after the
    day's rows are yielded: the state is saved with the load, so a failed run keeps the old
    cursor."""
    dlt.current.resource_state().setdefault(_CURSOR, {})[account] = day.isoformat()
