"""`run_command`: one command (an argv, or a shell string the policy parsed first), inside the sandbox.

Output goes to the model as head+tail with a count of what was discarded, and to watchers as
`command.output` events; the result carries the exit code and duration. When the command ends, for
whatever reason, every process it started is killed (the sandbox's `release`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import Field
from vtcode_hookspecs import (
    CommandArgs,
    CommandFinished,
    CommandSandbox,
    CommandStarted,
    PreparedSpawn,
    RiskClass,
    ToolContext,
    ToolResult,
)

from .capture import DEFAULT_KEEP, HeadTail, OutputEvents
from .launch import Child, PipeChild, PtyChild, shell_argv
from .pump import drain, pump


class RunCommandArgs(CommandArgs):
    timeout_s: float | None = Field(default=None, gt=0, description="At most sandbox.timeout_s.")
    terminal: bool = Field(default=False, description="Run on a PTY (only for programs that need a tty).")
    max_output_bytes: int = Field(
        default=DEFAULT_KEEP,
        ge=1024,
        le=1024 * 1024,
        description="Output kept for the model (head and tail).",
    )


class RunCommandTool:
    name = "run_command"
    description = (
        "Run one command in the workspace inside the sandbox: an argv list, or a shell string. "
        "Returns its output (head and tail if long), exit code and duration."
    )
    args_model = RunCommandArgs
    risk = RiskClass.EXECUTE

    def invoke(self, ctx: ToolContext, args: RunCommandArgs) -> ToolResult:
        cwd = str(ctx.resolve(args.cwd))
        sandbox = ctx.sandbox
        timeout = min(args.timeout_s or sandbox.timeout_s, sandbox.timeout_s)
        request = sandbox.request(shell_argv(args.command), cwd, terminal=args.terminal)
        prepared = sandbox.prepare(request)
        kept = HeadTail(args.max_output_bytes)
        events = OutputEvents(ctx.record, "pty" if args.terminal else "stdout")
        # Optional on a ToolContext (vtcode's own has them): a live view for the screen, and its stop key.
        live: Callable[[bytes], None] | None = getattr(ctx, "live_output", None)
        stop: Callable[[], bool] | None = getattr(ctx, "stop_requested", None)

        def on_chunk(data: bytes) -> None:
            kept.add(data)
            events.add(data)
            if live is not None:
                live(data)

        start = time.monotonic()
        try:
            child: Child = PtyChild(prepared) if args.terminal else PipeChild(prepared)
        except BaseException:
            prepared.release()
            raise
        ctx.record(started_payload(sandbox, prepared, cwd, child.pid, args.terminal))
        try:
            outcome = pump(child, on_chunk, timeout, stop)
        finally:
            cleanup = prepared.release()  # kills every remaining descendant, restores protected paths
            drain(child.fd, on_chunk)
            child.close()
            events.flush()
        duration = time.monotonic() - start
        data: dict[str, Any] = {
            "exit_code": outcome.exit_code,
            "duration_s": round(duration, 3),
            "bytes": kept.total,
            "kept_bytes": kept.total - kept.discarded,
            "discarded_bytes": kept.discarded,
            "timed_out": outcome.timed_out,
            "interrupted": outcome.interrupted,
            "killed": cleanup.killed,
            "restored": cleanup.restored,
            **_sandbox_facts(sandbox.backend, sandbox.mode, prepared),
        }
        ctx.record(finished_payload(data))
        return ToolResult(
            ok=outcome.exit_code == 0,
            output=_summary(data, timeout) + kept.text(),
            truncated_bytes=kept.discarded,
            data=data,
        )


def started_payload(
    sandbox: CommandSandbox,
    prepared: PreparedSpawn,
    cwd: str,
    pid: int,
    terminal: bool,
    session_id: str | None = None,
) -> CommandStarted:
    """`command.started`: what runs, where, and what the sandbox enforces on it."""
    extra: dict[str, Any] = {
        "sandbox": sandbox.mode,  # the key logs before the schema's `mode` used; kept for their readers
        "network": "network:on" in prepared.enforced,
    }
    if session_id is not None:
        extra["session_id"] = session_id
    return CommandStarted(
        argv=list(prepared.argv),
        cwd=cwd,
        mode=sandbox.mode,
        backend=sandbox.backend,
        enforced=list(prepared.enforced),
        pid=pid,
        terminal=terminal,
        **extra,
    )


def finished_payload(data: dict[str, Any]) -> CommandFinished:
    """`command.finished`: exit is None when a signal ended the command (128 + N in `exit_code`).
    `data` is the tool result's data; its keys beyond the model's (older readers' `exit`, `signal`,
    `duration_ms`, the output counts) are kept as the payload's extra fields."""
    code = data["exit_code"]
    signal = code - 128 if code is not None and code > 128 else None
    legacy: dict[str, Any] = {
        "exit": None if signal is not None or code is None else code,
        "signal": signal,
        "duration_ms": data["duration_s"] * 1000,
    }
    return CommandFinished(**legacy, **{k: v for k, v in data.items() if k != "sandbox"})


def _sandbox_facts(backend: str, mode: str, prepared: PreparedSpawn) -> dict[str, Any]:
    return {"sandbox": {"backend": backend, "mode": mode, "enforced": list(prepared.enforced)}}


def _summary(data: dict[str, Any], timeout: float) -> str:
    if data["timed_out"]:
        status = f"timed out after {timeout:g} s and was killed"
    elif data["interrupted"]:
        status = "interrupted (SIGINT to its process group)" + (
            f", exit code {data['exit_code']}" if data["exit_code"] is not None else ", then killed"
        )
    else:
        status = f"exit code {data['exit_code']}"
    notes = [status, f"{data['duration_s']} s", f"{data['bytes']} bytes of output"]
    if data["discarded_bytes"]:
        notes.append(f"{data['discarded_bytes']} bytes discarded from the middle")
    if data["killed"]:
        notes.append(f"{data['killed']} leftover process(es) killed")
    if data["restored"]:
        notes.append(f"protected paths restored: {', '.join(data['restored'])}")
    return "[" + "; ".join(notes) + "]\n"
