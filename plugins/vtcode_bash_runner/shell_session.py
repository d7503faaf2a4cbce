"""`shell_session`: a persistent bash on a PTY, inside the sandbox, for interactive work.

open -> send (typed text, judged by the command policy like any shell string) -> read -> interrupt
(Ctrl-C through the terminal, as a user would) -> close. Output is read on demand: while nobody reads,
the PTY buffer fills and the program blocks, so memory never grows with what the shell prints.
"""

from __future__ import annotations

import os
import secrets
import select
import sys
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema
from vtcode_hookspecs import CommandArgs, PreparedSpawn, RiskClass, SandboxCleanup, ToolContext, ToolResult

from vtcode.api import InvariantError

from .capture import DEFAULT_KEEP, HeadTail
from .launch import PtyChild, read_chunk
from .run_command import finished_payload, started_payload

MAX_SESSIONS = 4
QUIET_S = 0.3
# No line editing and no history expansion: readline would complete a TAB from the disk (`cat d/<TAB>` became
# `cat d/l`, a link out of the workspace) and `!-1:1:s/a/b/` splices earlier lines into this one, so bash
# would run other text than the policy judged. With both off, bash runs the line as typed.
SHELL = ("/bin/bash", "--noprofile", "--norc", "--noediting", "+H", "-i")
# Without line editing the terminal is in canonical mode, where the kernel keeps at most 4095 bytes of a line
# (MAX_CANON is 1024 on macOS) and drops the rest: `echo '<5000 a>'` arrives with its quote open, and the
# next send — judged on its own — is read inside it. Longer lines are refused.
LINE_LIMIT = 4000 if sys.platform.startswith("linux") else 1000

Action = Literal["open", "send", "read", "interrupt", "close"]


class SessionState(BaseModel):
    """What the session's shell carries into a send: its directory (relative to the workspace root, or
    "unknown") and the variables earlier sends set. The core puts it in the send's arguments, so the policy
    judges it, the prompt shows it and the digest covers it; a model cannot supply it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cwd: str
    variables: dict[str, str] = {}


class ShellSessionArgs(CommandArgs):
    """`command` is what `send` types (judged like a shell string); other actions have none."""

    action: Action = "send"
    # Optional here: read/interrupt/close run nothing new, so the core judges them by tool policy only.
    command: str | list[str] | None = None  # type: ignore[assignment]  # narrows CommandArgs' required field
    session_id: str | None = None
    wait_s: float = Field(default=1.0, ge=0, le=60, description="How long to collect output.")
    max_output_bytes: int = Field(default=DEFAULT_KEEP, ge=1024, le=1024 * 1024)
    # Filled by judged_args (never validated from a model's arguments, which may not set it).
    session: SkipJsonSchema[SessionState | None] = None

    @model_validator(mode="after")
    def _command_only_for_send(self) -> ShellSessionArgs:
        if self.session is not None:
            raise ValueError("`session` is the session's own state; it cannot be given")
        if (self.action == "send") != (self.command is not None):
            raise ValueError("`command` is required for action 'send' and not allowed for the others")
        if isinstance(self.command, list):
            # The session types text into bash, which parses it again: an argv is judged as literal words,
            # but `["echo", "x; touch y"]` typed would run `touch` (and no joining quotes it faithfully
            # through a terminal, whose line discipline acts on ^U, ^W, CR...). Only a shell string, which
            # the policy parses as bash will, may be sent.
            raise ValueError("`command` for a shell session is text typed into bash: give a shell string, "
                             "not an argv list")
        if self.action != "open" and not self.session_id:
            raise ValueError(f"action {self.action!r} needs the session_id that 'open' returned")
        return self


@dataclass
class _Session:
    child: PtyChild
    prepared: PreparedSpawn
    started: float
    root: str = ""
    # What earlier sends set (name -> value as typed), from the same parse the policy judged them with.
    variables: dict[str, str] = field(default_factory=dict)
    ended: bool = False
    finalizer: weakref.finalize | None = field(default=None, repr=False)  # type: ignore[type-arg]

    def collect(self, wait_s: float, keep: HeadTail) -> None:
        """Read until `wait_s` passed, or output went quiet after some arrived, or the shell ended."""
        poller = select.poll()
        poller.register(self.child.fd, select.POLLIN | select.POLLHUP)
        end = time.monotonic() + wait_s
        last_data: float | None = None
        while not self.ended:
            now = time.monotonic()
            if now >= end or (last_data is not None and now - last_data >= QUIET_S):
                return
            if poller.poll(50):
                data = read_chunk(self.child.fd)
                if not data:
                    self.ended = True
                    return
                keep.add(data)
                last_data = time.monotonic()


def _shell_cwd(fd: int) -> str | None:
    """The session shell's directory: the terminal's foreground process group when it is bash (an
    interactive bash leads its own group while idle), read from /proc; None when unknown."""
    try:
        group = os.tcgetpgrp(fd)
        with open(f"/proc/{group}/comm", encoding="utf-8") as handle:
            if handle.read().strip() != "bash":
                return None
        return os.readlink(f"/proc/{group}/cwd")
    except OSError:
        return None


def _moved(fd: int, judged: str) -> str | None:
    """Where the session's shell is, when that is not `judged` (the cwd the policy judged the send from).

    A `cd` in an earlier send moves the shell; the next send's relative paths, its git repository and its
    approvals would be judged from the wrong place. The shell is the terminal's foreground process group
    when idle (an interactive bash leads its own group); its cwd is read from /proc. While another program
    owns the terminal the send is that program's input, and where no /proc exists nothing can be read:
    both are not checked (docs/security/policy.md says so)."""
    where = _shell_cwd(fd)
    if where is None:
        return None
    return None if os.path.realpath(where) == os.path.realpath(judged) else where


def _relative(where: str | None, root: str) -> str:
    """The shell's directory as the prompt shows it: relative to the workspace root, or "unknown"."""
    if where is None or not root:
        return "unknown"
    real, base = os.path.realpath(where), os.path.realpath(root)
    return os.path.relpath(real, base) if real == base or real.startswith(base + os.sep) else real


def _sets(text: str) -> dict[str, str]:
    """The variables a send sets for later sends; a send that cannot be read marks the state unknown."""
    from vtcode.api import session_variables

    try:
        return dict(session_variables(text))
    except Exception:
        return {"?": "a send that could not be read"}


def _finish(child: PtyChild, prepared: PreparedSpawn) -> SandboxCleanup:
    child.close()
    return prepared.release()


class ShellSessionTool:
    name = "shell_session"
    description = (
        "A persistent interactive bash on a terminal inside the sandbox. action=open returns a "
        "session_id; send types `command` and a newline; read collects output; interrupt sends "
        "Ctrl-C; close ends it and kills everything it started."
    )
    args_model = ShellSessionArgs
    risk = RiskClass.EXECUTE

    def __init__(self) -> None:
        self._sessions: dict[str, _Session] = {}

    def judged_args(self, args: ShellSessionArgs) -> ShellSessionArgs:
        """A send is judged from where the session's shell is (`cd sub` in an earlier send moved it), not
        from the `cwd` argument, and with what earlier sends left in it (`session`: its directory and
        variables, shown in the prompt): the runner asks this before the policy decides."""
        session = self._sessions.get(args.session_id or "") if args.action == "send" else None
        if session is None:
            return args
        where = _shell_cwd(session.child.fd)
        update: dict[str, Any] = {"session": SessionState(
            cwd=_relative(where, session.root), variables=dict(session.variables))}
        if where is not None:
            update["cwd"] = where
        return args.model_copy(update=update)

    def invoke(self, ctx: ToolContext, args: ShellSessionArgs) -> ToolResult:
        if args.action == "open":
            return self._open(ctx, args)
        session = self._sessions.get(args.session_id or "")
        if session is None:
            return ToolResult(ok=False, output=f"no open shell session {args.session_id!r}")
        if args.action == "send":
            moved = _moved(session.child.fd, str(ctx.resolve(args.cwd)))
            if moved is not None:
                return ToolResult(ok=False, output=(
                    f"the session's shell is in {moved}, not in the cwd this send was judged from; send it "
                    "again with that cwd (relative paths, git and approvals are judged from the cwd)"))
            if not isinstance(args.command, str):
                raise InvariantError("a shell session send without a shell string")
            text = args.command
            if any(len(line.encode()) >= LINE_LIMIT for line in text.split("\n")):
                return ToolResult(ok=False, output=(
                    f"a line of {LINE_LIMIT} bytes or more would be cut by the terminal, and bash would run "
                    "the rest of it with the next send; use run_command for long commands"))
            if args.session is not None and args.session.variables != session.variables:
                return ToolResult(ok=False, output=(
                    "the session's variables changed since this send was judged"))
            session.child.write(text.encode() + b"\n")
            session.variables.update(_sets(text))
        elif args.action == "interrupt":
            session.child.write(b"\x03")  # the line discipline turns it into SIGINT for the foreground job
        elif args.action == "close":
            return self._close(ctx, args.session_id or "", session)
        keep = HeadTail(args.max_output_bytes)
        session.collect(args.wait_s, keep)
        if session.ended:
            result = self._close(ctx, args.session_id or "", session)
            return ToolResult(
                ok=False,
                output=keep.text() + "\n[the shell exited]\n" + result.output,
                truncated_bytes=keep.discarded,
                data=result.data,
            )
        return ToolResult(
            ok=True,
            output=keep.text(),
            truncated_bytes=keep.discarded,
            data={"session_id": args.session_id, "bytes": keep.total},
        )

    def _open(self, ctx: ToolContext, args: ShellSessionArgs) -> ToolResult:
        if len(self._sessions) >= MAX_SESSIONS:
            return ToolResult(ok=False, output=f"at most {MAX_SESSIONS} shell sessions; close one first")
        cwd = str(ctx.resolve(args.cwd))
        sandbox = ctx.sandbox
        prepared = sandbox.prepare(sandbox.request(SHELL, cwd, terminal=True))
        try:
            child = PtyChild(prepared)
        except BaseException:
            prepared.release()
            raise
        session_id = secrets.token_hex(4)
        session = _Session(child, prepared, time.monotonic(), root=str(ctx.workspace))
        self._sessions[session_id] = session
        # Runs once: on close, or when vtcode exits with the session still open (the shell is killed).
        session.finalizer = weakref.finalize(session, _finish, child, prepared)
        ctx.record(started_payload(sandbox, prepared, cwd, child.pid, True, session_id))
        keep = HeadTail(args.max_output_bytes)
        session.collect(args.wait_s, keep)
        return ToolResult(
            ok=True,
            output=f"[shell session {session_id} open in {cwd}]\n{keep.text()}",
            data={"session_id": session_id, "enforced": list(prepared.enforced)},
        )

    def _close(self, ctx: ToolContext, session_id: str, session: _Session) -> ToolResult:
        self._sessions.pop(session_id, None)
        code = session.child.poll()
        cleanup = (session.finalizer() if session.finalizer else None) or SandboxCleanup()
        data: dict[str, Any] = {
            "session_id": session_id,
            "exit_code": code,
            "killed": cleanup.killed,
            "restored": cleanup.restored,
            "duration_s": round(time.monotonic() - session.started, 3),
        }
        ctx.record(finished_payload({**data, "bytes": 0}))
        return ToolResult(ok=True, output=f"[shell session {session_id} closed]", data=data)
