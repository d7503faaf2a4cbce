"""Elasticsearch bulk API, documents in Elastic Common Schema (see ecs.py).

    [events.sinks.elastic]
    url = "https://es.example.com:9200"
    index = "logs-vtcode.audit-default"   # the default: a data stream, hence `create` actions
    token_env = "ELASTIC_API_KEY"         # optional: sent as `Authorization: ApiKey ...`

Each document's `_id` is the event id, so a batch retried after a lost answer is not stored twice (409).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from vtcode_hookspecs import Event, SinkSettings

from vtcode.api import InvariantError

from .ecs import to_ecs

if TYPE_CHECKING:
    import httpx

from .http_batch import RETRIED_STATUS, DeliveryError, HttpBatchSink, HttpOptions


class ElasticOptions(HttpOptions):
    index: str = "logs-vtcode.audit-default"


class ElasticSink(HttpBatchSink):
    name = "elastic"
    options_model = ElasticOptions

    def configure(self, settings: SinkSettings) -> None:
        self.configure_options(settings.options, host=settings.host, user=settings.user)

    def request(self, chunk: list[Event]) -> tuple[str, bytes, dict[str, str]]:
        options = self._options()
        if not isinstance(options, ElasticOptions):
            raise InvariantError("the elastic sink's options are not ElasticOptions")
        lines = []
        for event in chunk:
            lines.append(json.dumps({"create": {"_index": options.index, "_id": event.id}}))
            lines.append(json.dumps(to_ecs(event, host=self.host, user=self.user), separators=(",", ":")))
        headers = {"Content-Type": "application/x-ndjson"}
        if self.token:
            headers["Authorization"] = f"ApiKey {self.token}"
        return options.url.rstrip("/") + "/_bulk", ("\n".join(lines) + "\n").encode("utf-8"), headers

    def accepted(self, chunk: list[Event], response: httpx.Response) -> tuple[int, str | None]:
        try:
            items = response.json()["items"]
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryError(f"elastic: not a bulk answer: {response.text[:200]}") from exc
        refused = []
        for done, (event, item) in enumerate(zip(chunk, items, strict=False)):
            result: dict[str, Any] = next(iter(item.values()), {})
            status = int(result.get("status", 0))
            if status in (200, 201, 409):  # 409: stored by an earlier attempt
                continue
            if status in RETRIED_STATUS:
                return done, f"HTTP {status} for seq {event.seq}; retrying from there"
            reason = (result.get("error") or {}).get("reason", f"status {status}")
            refused.append(f"seq {event.seq}: {reason}")
        if len(items) < len(chunk):
            return len(items), f"answer covers {len(items)} of {len(chunk)} events"
        # Refused for good (a mapping conflict...): retrying cannot help; say which, loudly.
        return len(chunk), ("refused " + "; ".join(refused)) if refused else None
