"""Google Ads offline click conversions against the sandbox's Google Ads fake, over real HTTP.

Real gclids come from the tiny world's ``click_view`` (through the API, as a user would find
them); the sandbox's request log counts what the fake stored.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests

from platform_assets.activation.destinations import connect
from platform_assets.activation.destinations.base import (
    BatchRejected,
    DestinationConfigError,
    Operation,
    Outcome,
    Record,
)
from platform_assets.activation.destinations.google_ads import (
    API_VERSION,
    GoogleAdsClickConversions,
    conversion_date_time,
)
from platform_assets.sandbox.server import request_log
from platform_assets.settings import Settings

CUSTOMER = "5283914076"  # the sandbox world's one account
MQL = "9001"  # its "Marketing qualified lead" conversion action
UNKNOWN_GCLID = "Cj0KCQjwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def _headers(settings: Settings) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {settings.credential('google_ads')}",
        "developer-token": settings.google_ads_developer_token,
    }


def _clicks(settings: Settings, n: int) -> list[tuple[str, date]]:
    """``n`` (gclid, click day) of the world, from the API one day at a time."""
    url = f"{settings.api_url('google_ads')}/{API_VERSION}/customers/{CUSTOMER}/googleAds:search"
    found: list[tuple[str, date]] = []
    day = date(2026, 1, 1)
    while len(found) < n:
        query = (
            "SELECT click_view.gclid, segments.date FROM click_view "
            f"WHERE segments.date = '{day.isoformat()}'"
        )
        response = requests.post(url, json={"query": query}, headers=_headers(settings), timeout=10)
        response.raise_for_status()
        found += [(r["clickView"]["gclid"], day) for r in response.json().get("results", [])]
        day += timedelta(days=1)
    return found[:n]


def _conversion(key: str, gclid: str, at: datetime, value: str = "120.00") -> Record:
    fields = {
        "gclid": gclid,
        "conversion_date_time": at,
        "conversion_value": Decimal(value),
        "currency_code": "USD",
    }
    return Record(key=key, fields=fields)


def _after(day: date, days: int = 1) -> datetime:
    """Noon ``days`` after the click's day: always after the click."""
    return datetime.combine(day, datetime.min.time()) + timedelta(days=days, hours=12)


def _written(settings: Settings) -> int:
    return request_log(settings.sandbox_url, "google_ads")["written"]


def _uploads(settings: Settings) -> GoogleAdsClickConversions:
    uploads = connect(
        "google_ads",
        "click_conversions",
        settings,
        {"customer_id": CUSTOMER, "conversion_action": MQL},
    )
    assert isinstance(uploads, GoogleAdsClickConversions)
    return uploads


def _verdicts(outcomes: list[Outcome]) -> list[tuple[bool, str | None]]:
    """Accepted or the error code of each outcome."""
    return [(o.ok, None if o.ok else o.error.split(":")[0]) for o in outcomes]


def test_conversions_of_real_clicks_are_accepted_and_a_replay_stores_nothing_twice(
    sandbox: Settings,
):
    uploads = _uploads(sandbox)
    uploads.check_fields(["gclid", "conversion_date_time", "conversion_value", "currency_code"])
    batch = [
        _conversion(f"c{i}", gclid, _after(day))
        for i, (gclid, day) in enumerate(_clicks(sandbox, 3))
    ]
    assert all(o.ok for o in uploads.send(Operation.INSERT, batch))
    assert _written(sandbox) == 3
    replay = uploads.send(Operation.UPSERT, batch)  # upsert goes as insert
    assert [o.ok for o in replay] == [True, True, True]  # CLICK_CONVERSION_ALREADY_EXISTS
    assert _written(sandbox) == 3
    uploads.close()


def test_bad_conversions_are_rejected_with_googles_error_code(sandbox: Settings):
    uploads = _uploads(sandbox)
    (gclid, day), (other, other_day) = _clicks(sandbox, 2)
    batch = [
        _conversion("good", gclid, _after(day)),
        _conversion("unknown", UNKNOWN_GCLID, _after(day)),
        _conversion("malformed", "not a gclid!", _after(day)),
        _conversion("before-click", other, _after(other_day, days=-2)),
        _conversion("expired", other, _after(other_day, days=120)),
        _conversion("good-again", gclid, _after(day)),  # same click and time in one request
    ]
    outcomes = uploads.send(Operation.INSERT, batch)
    assert _verdicts(outcomes) == [
        (True, None),
        (False, "EVENT_NOT_FOUND"),
        (False, "UNPARSEABLE_GCLID"),
        (False, "CONVERSION_PRECEDES_EVENT"),
        (False, "EXPIRED_EVENT"),
        (False, "DUPLICATE_CLICK_CONVERSION_IN_REQUEST"),
    ]
    assert [o.key for o in outcomes] == [r.key for r in batch]
    assert not any(o.retriable for o in outcomes)
    assert _written(sandbox) == 1


def test_validate_only_stores_nothing_and_predicts_the_upload(sandbox: Settings):
    uploads = _uploads(sandbox)
    (gclid, day), (other, other_day) = _clicks(sandbox, 2)
    batch = [
        _conversion("a", gclid, _after(day)),
        _conversion("b", UNKNOWN_GCLID, _after(day)),
        _conversion("c", other, _after(other_day, days=-1)),
        _conversion("d", other, _after(other_day)),
    ]
    predicted = uploads.validate(Operation.INSERT, batch)
    assert _written(sandbox) == 0
    assert uploads.validate(Operation.INSERT, batch) == predicted  # still nothing stored
    actual = uploads.send(Operation.INSERT, batch)
    assert _verdicts(actual) == _verdicts(predicted)
    assert [o.ok for o in actual] == [True, False, False, True]
    assert _written(sandbox) == 2


def test_whole_requests_the_api_refuses(sandbox: Settings):
    url = (
        f"{sandbox.api_url('google_ads')}/{API_VERSION}/customers/{CUSTOMER}:uploadClickConversions"
    )
    action = f"customers/{CUSTOMER}/conversionActions/{MQL}"
    one = {
        "gclid": UNKNOWN_GCLID,
        "conversionAction": action,
        "conversionDateTime": "2026-02-01 10:00:00+00:00",
    }
    cases = {
        "TOO_MANY_CONVERSIONS_IN_REQUEST": {"conversions": [one] * 2001, "partialFailure": True},
        "PARTIAL_FAILURE_MODE_REQUIRED": {"conversions": [one], "partialFailure": False},
    }
    for code, body in cases.items():
        response = requests.post(url, json=body, headers=_headers(sandbox), timeout=30)
        assert response.status_code == 400
        [detail] = response.json()["error"]["details"]
        assert code in detail["errors"][0]["errorCode"].values()
    uploads = _uploads(sandbox)
    records = [_conversion(str(i), UNKNOWN_GCLID, datetime(2026, 2, 1)) for i in range(2001)]
    with pytest.raises(BatchRejected, match="TOO_MANY_CONVERSIONS_IN_REQUEST"):
        uploads.send(Operation.INSERT, records)


def test_configuration_is_checked_before_anything_is_sent(sandbox: Settings):
    with pytest.raises(DestinationConfigError, match="customer_id"):
        connect("google_ads", "click_conversions", sandbox, {"conversion_action": MQL})
    with pytest.raises(DestinationConfigError, match="conversion_action"):
        connect(
            "google_ads",
            "click_conversions",
            sandbox,
            {"customer_id": CUSTOMER, "conversion_action": "customers/1/conversionActions/9001"},
        )
    with pytest.raises(DestinationConfigError, match="conversions"):
        connect(
            "google_ads",
            "conversions",
            sandbox,
            {"customer_id": CUSTOMER, "conversion_action": MQL},
        )
    missing_action = connect(
        "google_ads",
        "click_conversions",
        sandbox,
        {"customer_id": "528-391-4076", "conversion_action": "1234"},
    )
    with pytest.raises(DestinationConfigError, match="no conversion action 1234"):
        missing_action.check_fields(["gclid", "conversion_date_time"])
    with pytest.raises(DestinationConfigError, match="gclid"):
        _uploads(sandbox).check_fields(["conversion_date_time", "value"])
    stranger = connect(
        "google_ads",
        "click_conversions",
        sandbox,
        {"customer_id": "1111111111", "conversion_action": MQL},
    )
    with pytest.raises(DestinationConfigError, match="HTTP 403"):
        stranger.send(Operation.INSERT, [_conversion("x", UNKNOWN_GCLID, datetime(2026, 2, 1))])
    assert _written(sandbox) == 0


def test_conversion_date_times_are_utc_in_googles_format():
    assert conversion_date_time(datetime(2026, 3, 4, 5, 6, 7, 890)) == "2026-03-04 05:06:07+00:00"
    cet = timezone(timedelta(hours=1))
    assert (
        conversion_date_time(datetime(2026, 3, 4, 5, 6, 7, tzinfo=cet))
        == "2026-03-04 04:06:07+00:00"
    )
    assert conversion_date_time(date(2026, 3, 4)) == "2026-03-04 00:00:00+00:00"
