"""Hosts a person allowed "always for this workspace" when the egress proxy asked, kept in the user's
own config dir (`egress-approved.json`, 0600), never in the workspace: a workspace may only narrow the
allowlist, and a command in the sandbox cannot write vtcode's config dir. One exact `host:port` per
answer, listed under the workspace's absolute path; read at the next session (this session's answer
is remembered by the approval broker). Deny rules still win over these.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from vtcode_hookspecs import ActionRequest

from vtcode.atomic import write_text_atomic
from vtcode.errors import ConfigError
from vtcode.paths import private_dir, user_config_dir

from .broker import Answer

FILE_NAME = "egress-approved.json"


class ApprovedHosts:
    """The AlwaysStore of the egress questions (see vtcode.approvals.broker.AlwaysStore)."""

    def __init__(self, workspace: Path, path: Path | None = None) -> None:
        self._workspace = str(workspace)
        self._path = path

    @property
    def path(self) -> Path:
        return self._path or user_config_dir() / FILE_NAME

    def hosts(self) -> list[str]:
        """`host:port` rules approved for this workspace."""
        return list(self._read().get(self._workspace, []))

    def rules(self, action: ActionRequest, commands: Sequence[Sequence[str]]) -> dict[Answer, str]:
        """Only "this workspace": the allowlist a host joins is this workspace's."""
        return {Answer.WORKSPACE: self.rule(action, commands)}

    def rule(self, action: ActionRequest, commands: Sequence[Sequence[str]]) -> str:
        return f"{self.path}: {_entry(action)} for {self._workspace}"

    def remember(self, action: ActionRequest, commands: Sequence[Sequence[str]],
                 scope: Answer = Answer.WORKSPACE) -> str:
        if scope is not Answer.WORKSPACE:
            raise ValueError(f"{scope.value} is not offered for a host")
        document = self._read()
        entries = document.setdefault(self._workspace, [])
        entry = _entry(action)
        if entry not in entries:
            entries.append(entry)
        private_dir(self.path.parent)
        write_text_atomic(self.path, json.dumps(document, indent=2, sort_keys=True) + "\n")
        return self.rule(action, commands)

    def _read(self) -> dict[str, list[str]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigError(str(self.path), f"not valid JSON ({exc})") from exc
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(h, str) for h in v)
            for k, v in data.items()
        ):
            raise ConfigError(str(self.path), "expected {workspace: [host:port, ...]}")
        return data


def _entry(action: ActionRequest) -> str:
    host, port = action.args.get("host"), action.args.get("port")
    if not isinstance(host, str) or not isinstance(port, int):
        raise ValueError("not an egress question")
    return f"{host}:{port}"
