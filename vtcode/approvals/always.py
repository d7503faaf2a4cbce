"""Saved answers ("this workspace", "always"), as the narrowest rule in the user's own tool-policy.json.

The rule covers exactly what the prompt showed, and the prompt shows it, for each scope offered, before
anything is saved. A scope is offered only where the saved rule means the same thing there:

- a command is saved as its exact argv, never as a prefix: the Rust vtcode stored derived prefixes, so
  approving `git push origin main` could store `git` and later approve `git push --force`; and only for
  the workspace it was approved in (`approval_cache.workspaces.<root>`): what a command does depends on
  the directory it runs in (`make test` runs that project's Makefile), so a prompt never saves a command
  for every workspace. `approval_cache.allowed` (global) is written by hand, or by an answer given
  without a workspace;
- a tool call that names paths is saved as that tool on exactly those files (`approval_cache.tools`),
  which are in that workspace: approving a write to `notes.txt` never allows writing anything else. The
  files are the ones the paths lead to (symlinks followed by the jail), and a later call is matched by
  where its paths lead: approving `NOTES.md -> src/auth.py` saves src/auth.py (the prompt says so), and
  approving a plain notes.txt does not cover notes.txt once it has become a link to another file;
- a tool call without paths is saved as that exact call, arguments and all, for this workspace
  (`approval_cache.workspace_calls.<root>`) or for every workspace (`approval_cache.calls`).

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

from vtcode.approvals.broker import Answer
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
    everywhere: bool = False  # read in every workspace: the prompt says so

    def text(self) -> str:
        shown = "; ".join(self.entries)
        where = f" (in {self.workspace} only)" if self.workspace is not None else ""
        where = " (in every workspace)" if self.everywhere else where
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


def standing_rules(
    action: ActionRequest, commands: Sequence[Sequence[str]], root: Path | None = None,
    paths: PathChecker | None = None,
) -> dict[Answer, StandingRule]:
    """The rule each saved scope would write (Answer.WORKSPACE, Answer.ALWAYS); a scope whose rule would
    mean something else in another workspace is left out, and so is not offered."""
    if action.kind == "command":
        entries = tuple(shlex.join(argv) for argv in commands)
        if root is not None:
            return {Answer.WORKSPACE: StandingRule("approval_cache.workspaces", entries, workspace=str(root))}
        return {Answer.ALWAYS: StandingRule("approval_cache.allowed", entries, everywhere=True)}
    if action.kind == "tool" and action.tool is not None:
        paths_ = resolved_paths(action, root, paths)
        if paths_:
            # Absolute files: the rule is about these files wherever it is read, i.e. this workspace's.
            scope = Answer.WORKSPACE if root is not None else Answer.ALWAYS
            return {scope: StandingRule(f"approval_cache.tools.{action.tool}", paths_, action.tool)}
        call = (tool_call_key(action.tool, dict(action.args)),)
        found = {Answer.ALWAYS: StandingRule("approval_cache.calls", call, everywhere=True)}
        if root is not None:
            found[Answer.WORKSPACE] = StandingRule("approval_cache.workspace_calls", call,
                                                   workspace=str(root))
        return found
    raise ValueError(f"cannot remember a {action.kind} action")


def standing_rule(
    action: ActionRequest, commands: Sequence[Sequence[str]], root: Path | None = None,
    paths: PathChecker | None = None, scope: Answer | None = None,
) -> StandingRule:
    """The rule `scope` would save (the narrowest offered when None)."""
    rules = standing_rules(action, commands, root, paths)
    if scope is None:
        return rules.get(Answer.WORKSPACE) or rules[Answer.ALWAYS]
    if scope not in rules:
        raise ValueError(f"{scope.value} is not offered for this {action.kind}")
    return rules[scope]


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

    def rules(self, action: ActionRequest, commands: Sequence[Sequence[str]]) -> dict[Answer, str]:
        """What each saved scope would write, as the prompt shows it before the person answers."""
        return {scope: f"{self.path}: {rule.text()}"
                for scope, rule in standing_rules(action, commands, self._root, self._paths).items()}

    def rule(self, action: ActionRequest, commands: Sequence[Sequence[str]],
             scope: Answer | None = None) -> str:
        """What `scope` would save (the narrowest scope offered when None)."""
        return f"{self.path}: {standing_rule(action, commands, self._root, self._paths, scope).text()}"

    def remember(self, action: ActionRequest, commands: Sequence[Sequence[str]],
                 scope: Answer | None = None) -> str:
        document = self._read()
        rule = standing_rule(action, commands, self._root, self._paths, scope)
        cache = document.setdefault("approval_cache", {})
        if rule.key == "approval_cache.allowed":
            target = cache.setdefault("allowed", [])
        elif rule.key == "approval_cache.calls":
            target = cache.setdefault("calls", [])
        elif rule.key in ("approval_cache.workspaces", "approval_cache.workspace_calls") \
                and rule.workspace is not None:
            field = "workspaces" if rule.key == "approval_cache.workspaces" else "workspace_calls"
            target = cache.setdefault(field, {}).setdefault(rule.workspace, [])
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
