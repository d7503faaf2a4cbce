"""One line per event for people: the stderr sink, `vtcode audit tail` and SIEM messages share it."""

from __future__ import annotations

import json
import shlex
from typing import Any


def describe(type: str, payload: dict[str, Any]) -> str:
    """A short human summary of an event's payload (the type is not repeated)."""
    p = payload
    if type == "policy.decision":
        return f"{p.get('decision')} {action_text(p.get('action'))}: {p.get('reason')}" + _rule(p)
    if type == "approval.requested":
        return f"asking about {action_text(p.get('action'))}: {p.get('reason', '')}"
    if type == "approval.answered":
        who = p.get("who") or {}
        return f"{p.get('answer')} by {who.get('user') or who.get('source') or '?'} ({who.get('tty', '-')})"
    if type.startswith("command."):
        argv = p.get("argv")
        if isinstance(argv, list) and type == "command.started":
            return f"{shlex.join(str(a) for a in argv)} in {p.get('cwd')} [sandbox {p.get('mode')}]"
        if type == "command.finished":
            return f"exit {p.get('exit_code')} after {p.get('duration_s')} s, {p.get('bytes') or 0} bytes"
    if type == "sandbox.selected":
        return f"commands confined by {p.get('backend')} ({', '.join(map(str, p.get('enforces') or []))})"
    if type == "llm.reasoning":
        return " ".join(str(p.get("text", "")).split())[:300]
    if type.startswith("tool."):
        detail = p.get("reason") or ("ok" if p.get("ok") else "failed" if "ok" in p else "")
        return f"{p.get('tool')} {detail}".strip()
    if type.startswith("plugin."):
        return f"{p.get('name', '')}: {p.get('reason') or p.get('status') or p.get('version', '')}"
    if "message" in p or "reason" in p or "detail" in p:
        return str(p.get("message") or p.get("reason") or p.get("detail"))
    return json.dumps(p, sort_keys=True, ensure_ascii=False)


def action_text(action: Any) -> str:
    """The command line or the tool and path an ActionRequest payload describes."""
    if not isinstance(action, dict):
        return "?"
    if action.get("shell"):
        return str(action["shell"])
    if action.get("argv"):
        return shlex.join(str(a) for a in action["argv"])
    tool = action.get("tool") or action.get("kind", "?")
    return f"{tool} {action['path']}" if action.get("path") else str(tool)


def _rule(payload: dict[str, Any]) -> str:
    return f" (rule {payload['rule']})" if payload.get("rule") else ""
