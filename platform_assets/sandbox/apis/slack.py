"""A fake Slack incoming webhook: where roundtrip's alerts land in the sandbox.

``POST /services/{team}/{bot}/{token}`` with ``{"text": ..., "blocks": [...]}`` answers ``ok``
(plain text, as Slack does); a body without ``text`` or ``blocks`` gets Slack's
``400 no_text``. ``GET /messages`` lists what arrived (newest last) so a test or a person can see
the alerts; Slack has no such endpoint, the sandbox adds it. Incoming webhooks carry no auth
header: the secret is the URL itself.
"""

from __future__ import annotations

import json

from platform_assets.sandbox.fakeapi import ApiRequest, ApiResponse, FakeApi, RateLimit, Route
from platform_assets.sandbox.store import WorldStore

_TABLE = "destinations.slack_messages"


class SlackApi(FakeApi):
    name = "slack"
    # Slack: about one message per second per webhook, short bursts allowed.
    rate_limit = RateLimit(requests=60, per_seconds=60)

    def routes(self) -> list[Route]:
        return [
            Route("POST", r"/services/(?P<team>\w+)/(?P<bot>\w+)/(?P<token>\w+)", self.receive),
            Route("GET", r"/messages", self.messages),
        ]

    def authorized(self, request: ApiRequest, credential: str) -> bool:
        return True

    def error(self, status: int, message: str) -> ApiResponse:
        return ApiResponse(status=status, body=message, content_type="text/plain")

    def receive(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        try:
            payload = request.json()
        except ValueError:
            return self.error(400, "invalid_payload")
        if not isinstance(payload, dict) or not (payload.get("text") or payload.get("blocks")):
            return self.error(400, "no_text")
        with store.writing() as cur:
            cur.execute(f"create table if not exists {_TABLE} (webhook varchar, payload json)")
            cur.execute(f"insert into {_TABLE} values (?, ?)", [request.path, json.dumps(payload)])
        return ApiResponse(body="ok", content_type="text/plain", rows=1, written=(request.path,))

    def messages(self, request: ApiRequest, store: WorldStore) -> ApiResponse:
        with store.writing() as cur:  # the table may not exist yet: create it in order
            cur.execute(f"create table if not exists {_TABLE} (webhook varchar, payload json)")
        rows = store.query(f"select webhook, payload from {_TABLE} order by rowid")
        found = [{"webhook": r["webhook"], **json.loads(r["payload"])} for r in rows]
        return ApiResponse(body={"messages": found}, rows=len(found))


API = SlackApi()
