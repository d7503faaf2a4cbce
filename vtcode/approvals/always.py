"""'Always allow' answers, saved as the narrowest rule in the user's own tool-policy.json.

The rule covers exactly what the prompt showed, and the prompt shows it before anything is saved:

- a command is saved as its exact argv, never as a prefix: the Rust vtcode stored derived prefixes, so
  approving `git push origin main` could store `git` and later approve `git push --force`; and for the
  workspace it was approved in (`approval_cache.workspaces.<root>`): `make test` approved in one project
  does not run another project's Makefile unasked (`approval_cache.allowed`, global, when no workspace);
- a tool call that names paths is saved as that tool on exactly those files of that workspace
  (`approval_cache.tools`): approving a write to `notes.txt` never allows writing anything else. The files
  are the ones the paths lead to (symlinks followed by the jail), and a later call is matched by where its
  paths lead: approving `NOTES.md -> src/auth.py` saves src/auth.py (the prompt says so), and approving a
  plain notes.txt does not cover notes.txt once it has become a link to another file;
- a tool call without paths is saved as that exact call, arguments and all (`approval_cache.calls`).

Every path is still checked by the jail when the standing approval is used.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vtcode_hookspecs import ActionRequest

from vtcode.atomic import write_text_atomic
from vtcode.config.sources import parse_text, validate_document
from vtcode.config.tool_policy import ToolPolicyFile
from vtcode.errors import InvariantError
from vtcode.paths import private_dir, user_config_dir
from vtcode.workspace.path_check import PathChecker


@dataclass(frozen=True)
class StandingRule:
    """What an "always" answer would save: where (`key`) and which entries, as shown to the person."""

    key: str
    entries: tuple[str, ...]
    tool: str | None = None
    workspace: str | None = None

    def text(self) -> str:
        shown = "; ".join(self.entries)
        where = f" (in {self.workspace} only)" if self.workspace is not None else ""
        return f"{self.key}: {shown}{where}"


def tool_call_key(tool: str, args: dict[str, Any]) -> str:
    """One exact tool call, as saved in `approval_cache.calls` and matched by the policy engine."""
    return f"{tool} {json.dumps(args, sort_keys=True, separators=(',', ':'), ensure_ascii=False)}"


def lexical_path(root: Path | None, path: str) -> str:
    """`path` made absolute against the workspace, lexically (`..` folded, no link followed)."""
    base = str(root) if root is not None else os.getcwd()
    return os.path.normpath(os.path.join(base, os.path.expanduser(path)))


def action_paths(action: ActionRequest, root: Path | None) -> tuple[str, ...]:
    """The action's paths made absolute against the workspace (lexically: the jail still resolves them)."""
    raw = [p for p in (action.path, *(p for p, _ in action.extra_paths)) if p is not None]
    return tuple(lexical_path(root, p) for p in raw)


def resolved_paths(action: ActionRequest, root: Path | None, paths: PathChecker | None) -> tuple[str, ...]:
    """Where the action's paths lead (the jail's resolution, links followed), absolute; the lexical form
    for a path the jail cannot follow (the action is refused by the jail anyway)."""
    lexical = action_paths(action, root)
    if paths is None:
        return lexical
    named = [(action.path, action.write)] if action.path is not None else []
    named += list(action.extra_paths)
    return tuple(
        paths.check_path(spelled, write=write).resolved or absolute
        for (spelled, write), absolute in zip(named, lexical, strict=True)
    )


def standing_rule(
    action: ActionRequest, commands: Sequence[Sequence[str]], root: Path | None = None,
    paths: PathChecker | None = None,
) -> StandingRule:
    if action.kind == "command":
        entries = tuple(shlex.join(argv) for argv in commands)
        if root is not None:
            return StandingRule("approval_cache.workspaces", entries, workspace=str(root))
        return StandingRule("approval_cache.allowed", entries)
    if action.kind == "tool" and action.tool is not None:
        paths_ = resolved_paths(action, root, paths)
        if paths_:
            return StandingRule(f"approval_cache.tools.{action.tool}", paths_, action.tool)
        return StandingRule("approval_cache.calls", (tool_call_key(action.tool, dict(action.args)),))
    raise ValueError(f"cannot remember a {action.kind} action")


class UserPolicyStore:
    def __init__(
        self, path: Path | None = None, *, root: Path | None = None, paths: PathChecker | None = None
    ) -> None:
        self._path = path
        self._root = root  # the workspace: a tool's paths are saved absolute, for this workspace only
        self._paths = paths  # the jail: a tool's paths are saved as the files they lead to

    @property
    def path(self) -> Path:
        return self._path or user_config_dir() / "tool-policy.json"

    def rule(self, action: ActionRequest, commands: Sequence[Sequence[str]]) -> str:
        """The rule `remember` would save, as the prompt shows it before the person answers."""
        return f"{self.path}: {standing_rule(action, commands, self._root, self._paths).text()}"

    def remember(self, action: ActionRequest, commands: Sequence[Sequence[str]]) -> str:
        document = self._read()
        rule = standing_rule(action, commands, self._root, self._paths)
        cache = document.setdefault("approval_cache", {})
        if rule.key == "approval_cache.allowed":
            target = cache.setdefault("allowed", [])
        elif rule.key == "approval_cache.calls":
            target = cache.setdefault("calls", [])
        elif rule.key == "approval_cache.workspaces" and rule.workspace is not None:
            target = cache.setdefault("workspaces", {}).setdefault(rule.workspace, [])
        else:
            if rule.tool is None:
                raise InvariantError("a tool rule without a tool name")
            target = cache.setdefault("tools", {}).setdefault(rule.tool, [])
        target.extend(e for e in rule.entries if e not in target)
        text = json.dumps(document, indent=2) + "\n"
        validate_document(
            ToolPolicyFile, document, str(self.path), text, is_json=True
        )  # never write a bad file
        private_dir(self.path.parent)
        write_text_atomic(self.path, text)
        return f"{self.path}: {rule.text()}"

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": 1}
        data = parse_text(text, str(self.path), is_json=True)
        validate_document(ToolPolicyFile, data, str(self.path), text, is_json=True)
        return data
