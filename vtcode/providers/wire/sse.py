"""The chat-completions body we send, the SSE framing we read, and deltas assembled into chunks.

A streamed tool call arrives in pieces: the first delta of index i carries its id and name, later ones
carry fragments of the JSON arguments, and several calls interleave in one turn. `StreamAssembler` keeps
them by index and hands out finished `ToolCall`s when the turn ends, so the core never sees a half call.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from vtcode_hookspecs import ChatChunk, ChatMessage, ChatRequest, ProviderError, ToolCall, Usage

CALL_OVERHEAD = 64  # what one tool call counts against the reply cap beyond its id, name and arguments
MAX_FINISH_REASON = 64  # "stop", "length", "tool_calls": anything longer is a server's noise
ERROR_MESSAGE_CHARS = 2000  # of a mid-stream error's message


def message_json(message: ChatMessage) -> dict[str, Any]:
    body: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        body["content"] = message.content or None
        body["tool_calls"] = [
            {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
            for call in message.tool_calls
        ]
    if message.tool_call_id is not None:
        body["tool_call_id"] = message.tool_call_id
    return body


def request_body(request: ChatRequest, *, stream: bool, stream_usage: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": request.model,
        "messages": [message_json(m) for m in request.messages],
        "stream": stream,
    }
    if stream and stream_usage:
        body["stream_options"] = {"include_usage": True}
    if request.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
            }
            for t in request.tools
        ]
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    return body


def iter_sse_data(lines: Iterable[str], max_event: int | None = None) -> Iterator[str]:
    """The `data` of each server-sent event: `data:` lines joined until a blank line; comments skipped.

    `max_event` bounds one event's whole data (characters, the "\n" joins included): a server sending
    data lines without ever ending the event is stopped there, never buffered whole."""
    data: list[str] = []
    size = 0
    for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
                size = 0
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if name == "data":
            piece = value[1:] if value.startswith(" ") else value
            size += len(piece) + 1
            if max_event is not None and size > max_event:
                raise ProviderError(
                    f"a server-sent event passed {max_event} characters before it ended; stopped reading it",
                    kind="protocol",
                )
            data.append(piece)
    if data:
        yield "\n".join(data)


def usage_of(raw: Any) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    details = raw.get("prompt_tokens_details") or {}
    return Usage(
        input_tokens=int(raw.get("prompt_tokens") or 0),
        cached_input_tokens=int(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0,
        output_tokens=int(raw.get("completion_tokens") or 0),
    )


@dataclass
class _PendingCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class StreamAssembler:
    """Feed it one decoded stream event at a time; it yields the chunks the core should see."""

    calls: dict[int, _PendingCall] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: Usage | None = None
    done: bool = False
    max_bytes: int | None = None  # every part of the reply (text, reasoning, calls); past it, reading stops
    received: int = 0

    def _count(self, text: str) -> None:
        self._add(len(text))  # characters: >= the bytes' count / 4, checked cheaply per delta

    def _add(self, size: int) -> None:
        self.received += size
        if self.max_bytes is not None and self.received > self.max_bytes:
            raise ProviderError(
                f"the reply passed {self.max_bytes} bytes (text, reasoning, tool-call names, ids and "
                "arguments, finish reason); "
                "stopped reading it",
                kind="protocol",
            )

    def feed(self, event: dict[str, Any]) -> Iterator[ChatChunk]:
        if "error" in event and not event.get("choices"):
            error = event["error"]
            message = error.get("message") if isinstance(error, dict) else str(error)
            message = str(message)[:ERROR_MESSAGE_CHARS]
            raise ProviderError(f"the server reported an error mid-stream: {message}", kind="server")
        self.usage = usage_of(event.get("usage")) or self.usage
        for choice in event.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or choice.get("message") or {}
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                self._count(reasoning)
                yield ChatChunk(reasoning=reasoning)
            content = delta.get("content")
            if isinstance(content, str) and content:
                self._count(content)
                yield ChatChunk(text=content)
            for position, raw in enumerate(delta.get("tool_calls") or []):
                self._add_call(position, raw)
            if choice.get("finish_reason"):
                reason = str(choice["finish_reason"])
                self._count(reason)
                self.finish_reason = reason[:MAX_FINISH_REASON]

    def _add_call(self, position: int, raw: dict[str, Any]) -> None:
        if not isinstance(raw, dict):
            raise ProviderError("malformed SSE from the server: a tool call that is not an object",
                                kind="protocol")
        index = raw.get("index")
        if not isinstance(index, int):  # servers that omit the index: a new id starts a new call
            index = len(self.calls) - 1 if self.calls else position
            if raw.get("id") and self.calls.get(index, _PendingCall()).id not in ("", raw["id"]):
                index += 1
        if index not in self.calls:
            self._add(CALL_OVERHEAD)  # each call costs something however empty: 1M of them are not free
        pending = self.calls.setdefault(index, _PendingCall())
        # Names and ids count against the cap like everything else the server sends, repeated or not.
        raw_id = str(raw.get("id") or "")
        self._count(raw_id)
        pending.id = pending.id or raw_id
        function = raw.get("function") or {}
        if not isinstance(function, dict):
            raise ProviderError("malformed SSE from the server: a tool call's function is not an object",
                                kind="protocol")
        if function.get("name"):
            name = str(function["name"])
            self._count(name)
            if not pending.name:  # some servers repeat the name in every delta
                pending.name = name
        if function.get("arguments"):
            arguments = function["arguments"]
            text = arguments if isinstance(arguments, str) else json.dumps(arguments)
            self._count(text)
            pending.arguments.append(text)

    def finish(self) -> Iterator[ChatChunk]:
        """The finished tool calls, then the closing chunk with the finish reason and usage."""
        for index in sorted(self.calls):
            pending = self.calls[index]
            if not pending.name:
                raise ProviderError(f"the server sent tool call #{index} without a name", kind="protocol")
            arguments = "".join(pending.arguments) or "{}"
            yield ChatChunk(
                tool_call=ToolCall(id=pending.id or f"call_{index}", name=pending.name, arguments=arguments)
            )
        reason = self.finish_reason or ("tool_calls" if self.calls else "stop")
        yield ChatChunk(finish_reason=reason, usage=self.usage)


def decode_event(data: str) -> dict[str, Any]:
    try:
        event = json.loads(data)
    except ValueError as exc:
        raise ProviderError(
            f"malformed SSE from the server: not JSON: {data[:80]!r}", kind="protocol"
        ) from exc
    if not isinstance(event, dict):
        raise ProviderError(f"malformed SSE from the server: not an object: {data[:80]!r}", kind="protocol")
    return event
