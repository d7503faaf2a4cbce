"""One line per event for people: the stderr sink, `vtcode audit tail` and SIEM messages share it.

Each event type of `vtcode.exec-events/1` has its own wording, read from the keys its schema defines
(vtcode_hookspecs._payloads); a key the payload does not have is left out, never printed as `None`.
Logs written before a payload followed its schema (`sandbox` for the mode, `exit`/`signal`/`duration_ms`
on command.finished) are read too. Types without a wording (a plugin's own) show their message, reason or
detail, else their JSON.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]


def _squeeze(text: str) -> str:
    """The text as it is, but for spaces at its ends: a CR, a newline, a tab or a run of spaces in a
    command is part of what it is (the terminal neutraliser shows control characters as escapes, so the
    line stays one line); folding them would hide them."""
    return text.strip(" ")


def describe(type: str, payload: Payload) -> str:
    """A short human summary of an event's payload (the type is not repeated)."""
    wording = _WORDINGS.get(type)
    if wording is not None:
        return _squeeze(wording(payload))
    p = payload
    if p.get("message") or p.get("reason") or p.get("detail"):
        return str(p.get("message") or p.get("reason") or p.get("detail"))
    return json.dumps(p, sort_keys=True, ensure_ascii=False)


def action_text(action: Any) -> str:
    """The command line or the tool and path an ActionRequest payload describes."""
    if not isinstance(action, dict):
        return "?"
    where = action.get("path")
    at = f" (in {where})" if action.get("kind") == "command" and where not in (None, "", ".") else ""
    if action.get("shell"):
        return str(action["shell"]) + at  # where it runs: `rm -rf build` in src removes src/build
    if action.get("argv"):
        return shlex.join(str(a) for a in action["argv"]) + at
    tool = action.get("tool") or action.get("kind", "?")
    if action.get("path"):
        return f"{tool} {action['path']}" + (" (write)" if action.get("write") else "")
    return str(tool)


# -- pieces ----------------------------------------------------------------------------------------


def _has(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _paren(*parts: str) -> str:
    kept = [part for part in parts if part]
    return f"({', '.join(kept)})" if kept else ""


def _if(value: Any, text: str) -> str:
    return text if _has(value) else ""


def _rule(p: Payload) -> str:
    return _if(p.get("rule"), f"(rule {p.get('rule')})")


def _argv(p: Payload) -> str:
    argv = p.get("argv")
    return shlex.join(str(a) for a in argv) if isinstance(argv, list) and argv else ""


def _seconds(p: Payload) -> float | None:
    if isinstance(p.get("duration_s"), int | float):
        return float(p["duration_s"])
    if isinstance(
        p.get("duration_ms"), int | float
    ):  # logs written before command.finished followed its schema
        return float(p["duration_ms"]) / 1000
    return None


def _short(value: Any, limit: int = 120) -> str:
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    )
    text = _squeeze(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- one wording per event type --------------------------------------------------------------------


def _session_started(p: Payload) -> str:
    who = f"{p.get('user')}@{p.get('host')}" if _has(p.get("user")) and _has(p.get("host")) else ""
    who = who or str(p.get("user") or p.get("host") or "")
    return (
        _join(
            _if(p.get("version"), f"vtcode {p.get('version')}"),
            _if(who, f"by {who}"),
            _if(p.get("workspace"), f"in {p.get('workspace')}"),
            _paren(_if(p.get("pid"), f"pid {p.get('pid')}")),
        )
        or "session started"
    )


def _session_ended(p: Payload) -> str:
    return _join(str(p.get("reason") or "normal"), _paren(_if(p.get("events"), f"{p.get('events')} events")))


def _config_loaded(p: Payload) -> str:
    layers = ", ".join(map(str, p.get("layers") or [])) or "defaults only"
    notices = p.get("notices") or []
    return _join(
        f"layers {layers}; policy {str(p.get('digest', ''))[:19]}",
        _if(
            notices,
            f"({len(notices)} notice{'s' if len(notices) != 1 else ''}: {_short('; '.join(notices))})",
        ),
    )


def _workspace_trust(p: Payload) -> str:
    return _join(
        f"{p.get('root')}: {'trusted' if p.get('trusted') else 'not trusted'}",
        _paren(str(p.get("reason") or "")),
    )


def _instructions_loaded(p: Payload) -> str:
    loaded = [
        f"{f.get('path')} ({f.get('bytes')} bytes{', cut at the size cap' if f.get('truncated') else ''}, "
        f"{str(f.get('sha256', ''))[:19]})"
        for f in p.get("files") or []
        if isinstance(f, dict)
    ]
    skipped = [
        f"{s.get('path')} not read: {s.get('reason')}" for s in p.get("skipped") or [] if isinstance(s, dict)
    ]
    head = f"project guidance from {', '.join(loaded)}" if loaded else ""
    return "; ".join(part for part in [head, *skipped] if part) or "no project guidance read"


def _hook_ran(p: Payload) -> str:
    said = p.get("answer") or "no decision"
    effect = p.get("effect") or "none"
    head = f"{p.get('hook')} ({p.get('source')}) on {p.get('event')}: {said}"
    parts = [head, _paren(f"effect {effect}", _if(p.get("duration_ms"), f"{p.get('duration_ms')} ms"))]
    if p.get("error"):
        parts.append(f"- failed: {p.get('error')}")
    elif p.get("reason"):
        parts.append(f"- {p.get('reason')}")
    if p.get("user_message"):
        parts.append(f"- says: {p.get('user_message')}")
    return _join(*parts)


def _plugin_discovered(p: Payload) -> str:
    origin = _join(str(p.get("distribution") or ""), str(p.get("version") or ""))
    return _join(f"{p.get('name')}:", origin or "?", "(built-in)" if p.get("builtin") else "")


def _plugin_signed_off(p: Payload) -> str:
    registered = p.get("registered") or {}
    names = [name for values in registered.values() if isinstance(values, list) for name in values]
    return _join(
        f"{p.get('name')}: {p.get('status') or 'signed-off'}",
        _paren(
            str(p.get("reason") or ""),
            _if(p.get("version"), f"{p.get('distribution') or ''} {p.get('version')}".strip()),
            _if(names, "registers " + ", ".join(map(str, names))),
        ),
    )


def _plugin_blocked(p: Payload) -> str:
    return f"{p.get('name')}: {p.get('status') or 'blocked'}: {p.get('reason')}"


def _policy_decision(p: Payload) -> str:
    return _join(f"{p.get('decision')} {action_text(p.get('action'))}: {p.get('reason')}", _rule(p))


def _approval_requested(p: Payload) -> str:
    offers = p.get("offers") or []
    return _join(
        f"asking about {action_text(p.get('action'))}",
        _if(p.get("reason"), f": {p.get('reason')}"),
        _rule(p),
        _if(offers, f"[offers {', '.join(map(str, offers))}]"),
    )


def _approval_answered(p: Payload) -> str:
    who = p.get("who") or {}
    if not who.get("user"):  # nobody answered: a remembered answer, or no terminal to ask
        return _join(
            f"{p.get('answer')}:",
            str(who.get("source") or "no one was asked"),
            _if(p.get("remembered"), f"(remembered: {p.get('remembered')})"),
        )
    name = who.get("user")
    where = _join(
        _if(who.get("tty"), str(who.get("tty"))), _if(who.get("source"), f"via {who.get('source')}")
    )
    return _join(
        f"{p.get('answer')} by {name}",
        _paren(where),
        _if(p.get("remembered"), f"(remembered: {p.get('remembered')})"),
        "(cached)" if p.get("cached") else "",
        _if(p.get("not_saved"), f"(not saved: {p.get('not_saved')})"),
    )


def _tool_started(p: Payload) -> str:
    return _join(
        str(p.get("tool")),
        _if(p.get("args"), _short(p.get("args"))),
        _if(p.get("plugin"), f"[plugin {p.get('plugin')}]"),
    )


def _tool_finished(p: Payload) -> str:
    return _join(
        f"{p.get('tool')} {'ok' if p.get('ok') else 'failed'}",
        _paren(
            _if(p.get("bytes"), f"{p.get('bytes')} bytes"),
            _if(p.get("truncated_bytes"), f"{p.get('truncated_bytes')} bytes cut"),
        ),
    )


def _tool_refused(p: Payload) -> str:
    return f"{p.get('tool')}: {p.get('reason')}"


def _mcp_call(p: Payload) -> str:
    return _join(
        f"{p.get('server')}.{p.get('tool')} {'ok' if p.get('ok') else 'failed'}",
        _paren(
            f"{p.get('result_bytes')} bytes in {p.get('duration_ms')} ms",
            _if(p.get("truncated_bytes"), f"{p.get('truncated_bytes')} bytes cut"),
            f"by {p.get('decision')}",
            f"args {p.get('args_digest')}",
        ),
        _if(p.get("error"), f": {p.get('error')}"),
    )


def _mcp_server(p: Payload) -> str:
    tools = p.get("tools")
    return _join(
        f"{p.get('server')} {p.get('state')}",
        _if(p.get("source"), f"[{p.get('source')}]"),
        _if(tools, f"{len(tools) if isinstance(tools, list) else tools} tools"),
        _if(p.get("pid"), f"pid {p.get('pid')}"),
        _if(p.get("mode"), f"[sandbox {p.get('mode')}{', network' if p.get('network') else ''}]"),
        _if(p.get("reason"), f": {p.get('reason')}"),
    )


def _mcp_approval(p: Payload) -> str:
    who = p.get("who") or {}
    person = who.get("user") or _if(who.get("uid"), f"uid {who.get('uid')}") or "someone"
    return _join(
        f"{p.get('server')} {p.get('action')}",
        _if(p.get("identity"), str(p.get("identity"))),
        f"for {p.get('workspace')}",
        f"by {person} ({p.get('via')})",
        _if(p.get("what"), f": {p.get('what')}"),
    )


def _sandbox_verified(p: Payload) -> str:
    state = "auto mode on" if p.get("ok") else "auto mode off: every prompt still asks"
    return f"{state} ({p.get('reason') or 'no reason given'})"


def _checkpoint_taken(p: Payload) -> str:
    skipped = p.get("skipped") or []
    over = f" ({len(skipped)} file(s) over the size cap left out)" if skipped else ""
    return (f"{p.get('id')} before {p.get('tool') or 'an action'} (tree {p.get('tree')}){over}; "
            "`vtcode undo` brings it back")


def _checkpoint_restored(p: Payload) -> str:
    def count(key: str) -> int:
        value = p.get(key)
        return len(value) if isinstance(value, list) else 0

    before = f" (the state before: checkpoint {p.get('before')})" if p.get("before") is not None else ""
    return (f"checkpoint {p.get('id')}: {count('written')} written, {count('deleted')} deleted, "
            f"{count('kept')} kept, {count('failed')} failed{before}")


def _checkpoint_pruned(p: Payload) -> str:
    live = p.get("live") or []
    running = f"; kept for running sessions: {', '.join(str(x) for x in live)}" if live else ""
    return (f"checkpoints {p.get('first')}-{p.get('last')} dropped ({p.get('dropped')}, via {p.get('via')}), "
            f"{p.get('kept')} kept (rule: the last {p.get('keep_sessions')} sessions and "
            f"{p.get('keep_days')} days){running}")


def _command_started(p: Payload) -> str:
    mode = p.get("mode") or (p.get("sandbox") if isinstance(p.get("sandbox"), str) else None)
    confinement = _join(_if(mode, str(mode)), _if(p.get("backend"), f"via {p.get('backend')}"))
    return _join(
        _argv(p) or "?",
        _if(p.get("cwd"), f"in {p.get('cwd')}"),
        f"[sandbox {confinement}]" if confinement else "[no sandbox recorded]",
        _paren(
            _if(p.get("pid"), f"pid {p.get('pid')}"),
            _if(p.get("session_id"), f"shell session {p.get('session_id')}"),
            _if(p.get("timeout_s"), f"timeout {p.get('timeout_s')} s"),
            "terminal" if p.get("terminal") else "",
        ),
    )


def _command_output(p: Payload) -> str:
    return _join(
        f"{p.get('bytes')} bytes",
        _if(p.get("elided_bytes"), f"({p.get('elided_bytes')} elided)"),
        _if(p.get("text"), f": {_short(p.get('text'), 160)}"),
    )


def _command_finished(p: Payload) -> str:
    code = p.get("exit_code") if "exit_code" in p else p.get("exit")
    signal = p.get("signal")
    if isinstance(code, int) and code > 128 and signal is None and "exit" not in p:
        signal = code - 128
    if p.get("timed_out"):
        status = "timed out, killed"
    elif p.get("interrupted"):
        status = "interrupted"
    elif isinstance(signal, int):
        status = f"killed by signal {signal}"
    elif isinstance(code, int):
        status = f"exit {code}"
    else:
        status = "ended without an exit status"
    seconds = _seconds(p)
    restored = p.get("restored") or []
    return _join(
        _argv(p),
        status,
        _if(seconds, f"after {seconds:.3g} s" if seconds is not None else ""),
        _paren(
            _if(p.get("bytes"), f"{p.get('bytes')} bytes of output"),
            _if(p.get("killed"), f"{p.get('killed')} leftover processes killed"),
            _if(restored, "restored " + ", ".join(map(str, restored))),
            _if(p.get("session_id"), f"shell session {p.get('session_id')}"),
        ),
    )


def _sandbox_selected(p: Payload) -> str:
    enforces = ", ".join(map(str, p.get("enforces") or []))
    return _join(f"commands confined by {p.get('backend')}", _paren(enforces))


def _sandbox_violation(p: Payload) -> str:
    subject = _join(str(p.get("action") or ""), str(p.get("path") or ""))
    return _join(
        f"{subject}:" if subject else "", str(p.get("reason")), _if(p.get("name"), f"[{p.get('name')}]")
    )


def _network_request(p: Payload) -> str:
    target = f"{p.get('method')} {p.get('host')}:{p.get('port')}"
    return _join(
        f"{p.get('decision')} {target}",
        _if(p.get("address"), f"-> {p.get('address')}"),
        f"by {p.get('rule')}",
        _if(p.get("reason"), f"({p.get('reason')})"),
        _paren(
            _if(p.get("bytes_up") or p.get("bytes_down"),
                f"{p.get('bytes_up', 0)} bytes up, {p.get('bytes_down', 0)} down"),
            _if(p.get("status"), f"status {p.get('status')}"),
        ),
        _if(p.get("client"), f"[{p.get('client')}]"),
    )


def _llm_request(p: Payload) -> str:
    return _join(
        f"{p.get('provider')}/{p.get('model') or '(server default)'}:",
        f"{p.get('messages', 0)} messages, {p.get('tools', 0)} tools",
        _paren(
            _if(p.get("bytes"), f"{p.get('bytes')} bytes"),
            f"attempt {p.get('attempt')}" if isinstance(p.get("attempt"), int) and p["attempt"] > 1 else "",
        ),
    )


def _llm_response(p: Payload) -> str:
    tokens = ""
    if _has(p.get("input_tokens")) or _has(p.get("output_tokens")):
        tokens = f"{p.get('input_tokens', 0) or 0} tokens in, {p.get('output_tokens', 0) or 0} out"
    return _join(
        f"{p.get('provider')}/{p.get('model') or '(server default)'}:",
        str(p.get("finish_reason") or "answered"),
        _paren(
            tokens,
            _if(p.get("cached_input_tokens"), f"{p.get('cached_input_tokens')} cached"),
            _if(p.get("tool_calls"), f"{p.get('tool_calls')} tool calls"),
            _if(p.get("latency_ms"), f"{float(p.get('latency_ms') or 0):.0f} ms"),
        ),
    )


def _llm_reasoning(p: Payload) -> str:
    return _squeeze(str(p.get("text", "")))[:300]


def _provider_failover(p: Payload) -> str:
    return _join(
        f"{p.get('provider')} → {p.get('fallback')}: {p.get('reason')}", _paren(str(p.get("kind") or ""))
    )


def _error(p: Payload) -> str:
    lost = ""
    if _has(p.get("dropped")):
        span = _if(p.get("first_seq"), f"seq {p.get('first_seq')}..{p.get('last_seq')}")
        lost = _join(f"{p.get('dropped')} events lost", span)
    return _join(str(p.get("message")), _paren(_if(p.get("sink"), f"sink {p.get('sink')}"), lost))


def _config_notice(p: Payload) -> str:
    return str(p.get("message", ""))


def _sandbox_applied(p: Payload) -> str:
    if p.get("message"):
        return str(p["message"])
    enforced = ", ".join(str(e) for e in p.get("enforced") or []) or "nothing enforced"
    return f"{p.get('mode') or p.get('name') or 'sandbox'}: {enforced}"


def _sandbox_refusal(p: Payload) -> str:
    return str(p.get("reason") or p.get("name") or "")


def _turn_started(p: Payload) -> str:
    parts = [f"turn {p.get('turn')}"]
    if _has(p.get("messages")):
        parts.append(f"{p['messages']} messages")
    if _has(p.get("tokens")) and _has(p.get("window")):
        parts.append(f"~{p['tokens']} of {p['window']} tokens")
    if p.get("dropped"):
        parts.append(f"{p['dropped']} dropped")
    return ", ".join(parts)


def _turn_completed(p: Payload) -> str:
    calls = p.get("tool_calls") or 0
    return _join(f"turn {p.get('turn')}: {calls} tool call{'s' if calls != 1 else ''}",
                 _if(p.get("finish_reason"), f" ({p.get('finish_reason')})"))


def _agent_stopped(p: Payload) -> str:
    return f"{p.get('reason', '')}: {p['detail']}" if _has(p.get("detail")) else str(p.get("reason", ""))


_WORDINGS: dict[str, Callable[[Payload], str]] = {
    "session.started": _session_started,
    "session.ended": _session_ended,
    "config.loaded": _config_loaded,
    "config.notice": _config_notice,
    "workspace.trust": _workspace_trust,
    "instructions.loaded": _instructions_loaded,
    "hook.ran": _hook_ran,
    "plugin.discovered": _plugin_discovered,
    "plugin.signed_off": _plugin_signed_off,
    "plugin.blocked": _plugin_blocked,
    "policy.decision": _policy_decision,
    "approval.requested": _approval_requested,
    "approval.answered": _approval_answered,
    "tool.started": _tool_started,
    "tool.finished": _tool_finished,
    "tool.refused": _tool_refused,
    "mcp.call": _mcp_call,
    "mcp.server": _mcp_server,
    "mcp.approval": _mcp_approval,
    "sandbox.verified": _sandbox_verified,
    "checkpoint.taken": _checkpoint_taken,
    "checkpoint.restored": _checkpoint_restored,
    "checkpoint.pruned": _checkpoint_pruned,
    "command.started": _command_started,
    "command.output": _command_output,
    "command.finished": _command_finished,
    "sandbox.selected": _sandbox_selected,
    "sandbox.applied": _sandbox_applied,
    "sandbox.denied": _sandbox_refusal,
    "sandbox.unsandboxed": _sandbox_refusal,
    "sandbox.full_access": _sandbox_refusal,
    "sandbox.violation": _sandbox_violation,
    "network.request": _network_request,
    "turn.started": _turn_started,
    "turn.completed": _turn_completed,
    "agent.stopped": _agent_stopped,
    "llm.request": _llm_request,
    "llm.response": _llm_response,
    "llm.reasoning": _llm_reasoning,
    "provider.failover": _provider_failover,
    "error": _error,
}
