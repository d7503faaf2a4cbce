"""'Always allow' answers, saved as the narrowest rule in the user's own tool-policy.json.

A command is saved as its exact argv (`approval_cache.allowed`), never as a prefix: the Rust vtcode stored
derived prefixes, so approving `git push origin main` could store `git` and later approve
`git push --force`. A tool is saved as allowed by name; its paths are still checked by the jail.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vtcode_hookspecs import ActionRequest

from vtcode.atomic import write_text_atomic
from vtcode.config.sources import parse_text, validate_document
from vtcode.config.tool_policy import ToolPolicyFile
from vtcode.paths import private_dir, user_config_dir


class UserPolicyStore:
    def __init__(self, path: Path | None = None) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        return self._path or user_config_dir() / "tool-policy.json"

    def remember(self, action: ActionRequest, commands: Sequence[Sequence[str]]) -> str:
        document = self._read()
        if action.kind == "command":
            allowed = document.setdefault("approval_cache", {}).setdefault("allowed", [])
            entries = [shlex.join(argv) for argv in commands]
            allowed.extend(e for e in entries if e not in allowed)
            saved = "approval_cache.allowed: " + "; ".join(entries)
        elif action.tool is not None:
            document.setdefault("policies", {})[action.tool] = "allow"
            saved = f"policies.{action.tool} = allow"
        else:
            raise ValueError(f"cannot remember a {action.kind} action")
        text = json.dumps(document, indent=2) + "\n"
        validate_document(
            ToolPolicyFile, document, str(self.path), text, is_json=True
        )  # never write a bad file
        private_dir(self.path.parent)
        write_text_atomic(self.path, text)
        return f"{self.path}: {saved}"

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": 1}
        data = parse_text(text, str(self.path), is_json=True)
        validate_document(ToolPolicyFile, data, str(self.path), text, is_json=True)
        return data
