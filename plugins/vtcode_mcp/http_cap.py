"""A bound on what an HTTP server's answers may make vtcode hold in memory.

The SDK reads a JSON answer whole (`aread`) and an event stream line by line, with no limit: a server
that sends an endless body, or one endless line, grows the agent's memory until it is killed. The
transport below counts what a response delivers and ends it with a `ReadError` once a JSON body, or
one line of an event stream, passes `MAX_MESSAGE_BYTES`; the call fails, the server's connection ends,
and the bytes after the bound are never read. An event stream as a whole may run for the session (its
lines are messages, each bounded).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2

MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # one JSON-RPC message; a tool's result is cut far below, for the model


class _Bounded(httpx2.AsyncByteStream):
    def __init__(self, inner: Any, request: httpx2.Request, per_line: bool, limit: int) -> None:
        self._inner = inner
        self._request = request
        self._per_line = per_line
        self._limit = limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        held = 0  # bytes since the last line break (an event stream) or since the start (a JSON body)
        async for chunk in self._inner:
            if self._per_line:
                cut = chunk.rfind(b"\n")
                held = len(chunk) - cut - 1 if cut >= 0 else held + len(chunk)
            else:
                held += len(chunk)
            if held > self._limit:
                what = "one line of its event stream" if self._per_line else "one message"
                raise httpx2.ReadError(f"the server's answer passed {self._limit} bytes ({what}): not read "
                                       "further", request=self._request)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class BoundedTransport(httpx2.AsyncBaseTransport):
    """httpx's transport, with every response's body bounded as the module says."""

    def __init__(self, limit: int = MAX_MESSAGE_BYTES, **options: Any) -> None:
        self._inner = httpx2.AsyncHTTPTransport(**options)
        self._limit = limit

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        per_line = response.headers.get("content-type", "").startswith("text/event-stream")
        response.stream = _Bounded(response.stream, request, per_line, self._limit)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
