"""The session <-> markdown mapping. Readable as a document; exact data rides in HTML comments and
fenced blocks whose fence is longer than any run of tildes in the content, so nothing can break out."""

from __future__ import annotations

import json
import re
from typing import Any

from vtcode_hookspecs import ChatMessage, SessionRecord

_META = re.compile(r"^<!-- vtcode: (\{.*\}) -->$")
_FENCE = re.compile(r"^(~{3,})text$")


class SessionFormatError(ValueError):
    """The file is not a session this store wrote (or it was edited into an unreadable state)."""


def render(session: SessionRecord) -> str:
    head = session.model_dump(mode="json", exclude={"messages"})
    lines = ["---", *(f"{key}: {json.dumps(value)}" for key, value in head.items()), "---", ""]
    lines += [f"# Session {session.id}", ""]
    for message in session.messages:
        meta = message.model_dump(mode="json", exclude={"content", "role"})
        lines += [f"## {message.role}", "", f"<!-- vtcode: {json.dumps(meta)} -->"]
        fence = "~" * max(3, _longest_tilde_run(message.content) + 1)
        lines += [f"{fence}text", message.content, fence, ""]
    return "\n".join(lines)


def parse(text: str, name: str) -> SessionRecord:
    lines = text.split("\n")
    if not lines or lines[0] != "---" or "---" not in lines[1:]:
        raise SessionFormatError(f"{name}: no front matter")
    end = lines.index("---", 1)
    head: dict[str, Any] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(": ")
        if not sep:
            raise SessionFormatError(f"{name}: bad front matter line {line!r}")
        head[key] = _json(value, name)
    head["messages"] = list(_messages(lines[end + 1 :], name))
    try:
        return SessionRecord.model_validate(head)
    except ValueError as exc:
        raise SessionFormatError(f"{name}: {' '.join(str(exc).split())}") from exc


def _messages(lines: list[str], name: str) -> Any:
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("## "):
            index += 1
            continue
        role = line[3:].strip()
        meta_line = lines[index + 2] if index + 2 < len(lines) else ""
        found = _META.match(meta_line)
        fence_line = lines[index + 3] if index + 3 < len(lines) else ""
        fence = _FENCE.match(fence_line)
        if not found or not fence:
            raise SessionFormatError(f"{name}: message at line {index + 1} is malformed")
        close = fence.group(1)
        try:
            stop = lines.index(close, index + 4)
        except ValueError as exc:
            raise SessionFormatError(f"{name}: unclosed message at line {index + 1}") from exc
        meta = _json(found.group(1), name)
        yield ChatMessage.model_validate(
            {**meta, "role": role, "content": "\n".join(lines[index + 4 : stop])}
        )
        index = stop + 1


def _json(value: str, name: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise SessionFormatError(f"{name}: bad JSON value {value[:40]!r}") from exc


def _longest_tilde_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"~+", text)), default=0)
