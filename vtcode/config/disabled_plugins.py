"""Disable or enable a plugin in the user's own vtcode.toml (`[plugins] disabled`), for the TUI's plugins
screen. Only that one key changes: the rest of the file (comments, order, other keys) is kept byte for
byte, the result is parsed and validated before it replaces the file in one rename, and an edit this
line-based scan cannot make safely is refused with the line to add by hand. Plugins are admitted when a
session opens, so the change applies from the next start."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path
from typing import Any

from vtcode.atomic import write_text_atomic
from vtcode.errors import ConfigError
from vtcode.paths import user_config_dir

from .locate import _KEY, _TABLE, _split_dotted
from .models import VtcodeConfig
from .sources import parse_text, validate_document


def user_config_file() -> Path:
    return user_config_dir() / "vtcode.toml"


def set_plugin_disabled(name: str, disabled: bool, path: Path | None = None) -> tuple[Path, bool]:
    """Add `name` to (or remove it from) `[plugins] disabled`; (the file, whether it changed)."""
    path = path or user_config_file()
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    data = parse_text(text, str(path), is_json=False)
    section = data.get("plugins", {})
    current = section.get("disabled", []) if isinstance(section, dict) else []
    if not isinstance(current, list):
        raise ConfigError(str(path), "plugins.disabled is not a list: fix it by hand first")
    wanted = [*current, name] if disabled and name not in current else [n for n in current if n != name]
    if wanted == current:
        return path, False
    edited = _with_disabled(text, wanted)
    expected = copy.deepcopy(data)
    expected.setdefault("plugins", {})["disabled"] = wanted
    by_hand = f"could not edit it safely; set it by hand: [plugins] disabled = {json.dumps(wanted)}"
    try:
        checked = parse_text(edited, str(path), is_json=False)
    except ConfigError as exc:
        raise ConfigError(str(path), by_hand) from exc
    if checked != expected:  # anything else changed: refuse rather than corrupt the user's file
        raise ConfigError(str(path), by_hand)
    validate_document(VtcodeConfig, checked, str(path), edited)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o600
    write_text_atomic(path, edited, mode=mode)
    return path, True


def _with_disabled(text: str, names: list[str]) -> str:
    value = json.dumps(names)  # a JSON array of plain strings is a valid TOML array
    lines = text.splitlines(keepends=True)
    table: list[str] = []
    header: int | None = None  # the [plugins] line
    root_plugins: int | None = None  # the last root-level `plugins.x = ...` line
    first_table: int | None = None
    for number, line in enumerate(lines):
        found = _TABLE.match(line)
        if found:
            table = _split_dotted(found.group(1))
            first_table = number if first_table is None else first_table
            if table == ["plugins"] and not line.lstrip().startswith("[["):
                header = number
            continue
        key = _KEY.match(line)
        if not key:
            continue
        path = table + _split_dotted(key.group(1))
        if path == ["plugins", "disabled"]:
            start = sum(len(x) for x in lines[:number]) + key.end()
            end = _value_end(text, start)
            return text[:start] + " " + value + text[end:]
        if not table and path[:1] == ["plugins"]:
            root_plugins = number
    if header is not None:
        return "".join([*lines[: header + 1], f"disabled = {value}\n", *lines[header + 1 :]])
    if root_plugins is not None:
        at = root_plugins + 1
        return "".join([*lines[:at], f"plugins.disabled = {value}\n", *lines[at:]])
    if text and not text.endswith("\n"):
        text += "\n"
    return text + ("\n" if text else "") + f"[plugins]\ndisabled = {value}\n"


def _value_end(text: str, start: int) -> int:
    """Where the array value that starts after `=` at `start` ends (past its closing bracket)."""
    depth, quote, position = 0, "", start
    while position < len(text):
        char = text[position]
        if quote:
            if char == "\\" and quote == '"':
                position += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            newline = text.find("\n", position)
            position = len(text) if newline < 0 else newline
            continue
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return position + 1
        elif char == "\n" and depth == 0:
            return position  # not an array: the value is the rest of the line (the checks catch it)
        position += 1
    return position


def disabled_names(path: Path | None = None) -> list[str]:
    """What the user's own file disables now (to tell "enabled" from "disabled elsewhere")."""
    path = path or user_config_file()
    if not path.exists():
        return []
    data: dict[str, Any] = parse_text(path.read_text(encoding="utf-8"), str(path), is_json=False)
    section = data.get("plugins", {})
    names = section.get("disabled", []) if isinstance(section, dict) else []
    return [str(n) for n in names] if isinstance(names, list) else []
