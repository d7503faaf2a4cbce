"""Splunk HTTP Event Collector: events posted in batches to /services/collector/event.

    [events.sinks.splunk-hec]
    url = "https://splunk.example.com:8088/services/collector/event"
    token_env = "SPLUNK_HEC_TOKEN"   # the default; the token itself is never in a file
    index = "vtcode"                 # optional

Each event becomes `{"time", "host", "source", "sourcetype", "index"?, "event": <the whole event>}`; the
hash chain travels with it, so the copy in Splunk can anchor the local log.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from vtcode_hookspecs import Event, SinkSettings

from vtcode.api import InvariantError

if TYPE_CHECKING:
    import httpx

from .http_batch import DeliveryError, HttpBatchSink, HttpOptions

SOURCETYPE = "vtcode:exec-events"


class SplunkOptions(HttpOptions):
    index: str | None = None
    source: str = "vtcode"


class SplunkHecSink(HttpBatchSink):
    name = "splunk-hec"
    options_model = SplunkOptions
    default_token_env = "SPLUNK_HEC_TOKEN"  # noqa: S105 - the variable's name, not a token

    def configure(self, settings: SinkSettings) -> None:
        self.configure_options(settings.options, host=settings.host, user=settings.user)

    def request(self, chunk: list[Event]) -> tuple[str, bytes, dict[str, str]]:
        options = self._options()
        if not isinstance(options, SplunkOptions):
            raise InvariantError("the splunk sink's options are not SplunkOptions")
        body = "".join(json.dumps(self.envelope(event, options), separators=(",", ":")) for event in chunk)
        headers = {"Authorization": f"Splunk {self.token}", "Content-Type": "application/json"}
        return options.url, body.encode("utf-8"), headers

    def envelope(self, event: Event, options: SplunkOptions) -> dict[str, Any]:
        wrapped: dict[str, Any] = {
            "time": round(event.ts.timestamp(), 6),
            "host": self.host,
            "source": options.source,
            "sourcetype": SOURCETYPE,
            "event": json.loads(event.to_line()),
        }
        if options.index:
            wrapped["index"] = options.index
        return wrapped

    def accepted(self, chunk: list[Event], response: httpx.Response) -> tuple[int, str | None]:
        try:
            answer = response.json()
        except ValueError as exc:
            raise DeliveryError(f"splunk-hec: not a HEC answer: {response.text[:200]}") from exc
        if answer.get("code", 0) != 0:
            raise DeliveryError(f"splunk-hec: code {answer.get('code')}: {answer.get('text')}")
        return len(chunk), None
