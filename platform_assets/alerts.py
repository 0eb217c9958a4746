"""Alerts: a failed run, a failed sync or one that rejected too much posts a Slack-compatible
message to ``settings.alert_webhook_url``.

Slack incoming webhooks (and Mattermost, Teams' Slack-compatible connector, the sandbox's fake)
take ``{"text": ...}`` with optional ``blocks``; the text alone carries the whole alert so any
receiver shows it. A webhook that cannot be reached is logged, never raised: an alert must not
turn a failed sync into a different failure.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import requests

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10


def message(title: str, details: Mapping[str, Any]) -> dict[str, Any]:
    """The Slack payload: a text line, then the details as a section block."""
    lines = [f"*{title}*", *(f"• {key}: {value}" for key, value in details.items())]
    text = "\n".join(lines)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def post(url: str, title: str, details: Mapping[str, Any]) -> bool:
    """Post one alert; True when the webhook accepted it."""
    try:
        response = requests.post(url, json=message(title, details), timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        logger.warning("alert webhook %s unreachable: %s", url, exc)
        return False
    if response.status_code >= 300:
        logger.warning("alert webhook %s answered %s: %s", url, response.status_code, response.text)
        return False
    return True
