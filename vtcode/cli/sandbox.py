"""`vtcode sandbox run [--mode M] [--network-mode MODE] [--allow HOST] -- ARGV...` and `vtcode sandbox probe`.

`run` goes through exactly what the agent's commands go through (backend choice, fail-closed denial,
detect-and-restore, events) with the terminal's stdin/stdout/stderr, and exits with the command's
status: 128+N if a signal N ended it, 124 on the sandbox.timeout_s deadline (as timeout(1) does).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import click
from vtcode_hookspecs import CommandFinished, CommandStarted, PreparedSpawn

from vtcode.terminal.echo import say, say_json

from .options import CommandContext, reports_errors, workspace_options

MODES = ("read-only", "workspace-write", "full-access")
NETWORK_MODES = ("off", "allowlist", "full")
TIMEOUT_STATUS = 124


@click.group(name="sandbox")
def sandbox() -> None:
    """Run commands under the kernel sandbox; see what this machine can enforce."""


@sandbox.command(
    name="run", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
)
@click.option("--mode", type=click.Choice(MODES), default=None, help="Sandbox mode (default: sandbox.mode).")
@click.option("--network-mode", "network_mode", type=click.Choice(NETWORK_MODES), default=None,
              help="Network mode (default: sandbox.network.mode): off, allowlist (only through vtcode's "
                   "egress proxy, by the [sandbox.network] rules) or full.")
@click.option("--network", is_flag=True, help="The whole network (same as --network-mode full).")
@click.option("--egress", is_flag=True, help="Same as --network-mode allowlist.")
@click.option("--allow", "allow", multiple=True, metavar="HOST",
              help="Also allow HOST through the egress proxy (repeatable; implies --network-mode allowlist).")
@click.argument("argv", nargs=-1, required=True, type=click.UNPROCESSED)
@workspace_options
@reports_errors
def run(
    mode: str | None,
    network_mode: str | None,
    network: bool,
    egress: bool,
    allow: tuple[str, ...],
    argv: tuple[str, ...],
    invocation: CommandContext,
) -> None:
    """Run ARGV in the sandbox, in the current directory if it is inside the workspace."""
    from vtcode.sandbox import open_sandbox

    root = invocation.root()
    chosen = _network_mode(network_mode, network, egress, allow)
    extra = ((f'sandbox.mode="{mode}"',) if mode else ()) + (
        (f'sandbox.network.mode="{chosen}"',) if chosen else ())
    if allow:
        configured = invocation.with_overrides(*extra).load_config()
        allowed = configured.config.sandbox.network.allow
        hosts = [*allowed, *(h for h in allow if h not in allowed)]
        extra += (f"sandbox.network.allow={json.dumps(hosts)}",)
    runtime = invocation.with_overrides(*extra).open_runtime()
    try:
        box = open_sandbox(
            runtime.plugins.registries.sandboxes, runtime.config.config.sandbox, root, runtime.bus
        )
        here = os.path.realpath(os.getcwd())
        cwd = here if here == str(root) or here.startswith(str(root) + os.sep) else str(root)
        prepared = box.prepare(box.request(argv, cwd))
        legacy: dict[str, Any] = {"sandbox": box.mode, "network": "network:on" in prepared.enforced}
        runtime.bus.record(
            CommandStarted(
                argv=list(argv),
                cwd=cwd,
                mode=box.mode,
                backend=box.backend,
                enforced=list(prepared.enforced),
                **legacy,  # keys older logs used (`sandbox` for the mode) and one the model leaves to extras
            )
        )
        start = time.monotonic()
        status = _run(prepared.argv, prepared, box.timeout_s)
        cleanup = prepared.release()
        box.close()
        signalled = status > 128 and status != TIMEOUT_STATUS
        before_schema: dict[str, Any] = {  # what logs before the schema's exit_code/duration_s held
            "exit": None if signalled else status,
            "signal": status - 128 if signalled else None,
            "duration_ms": (time.monotonic() - start) * 1000,
        }
        runtime.bus.record(
            CommandFinished(
                argv=list(argv),
                exit_code=status,
                duration_s=round(time.monotonic() - start, 3),
                timed_out=status == TIMEOUT_STATUS,
                killed=cleanup.killed,
                restored=cleanup.restored,
                **before_schema,
            )
        )
    finally:
        runtime.bus.close()
    raise SystemExit(status)


def _network_mode(
    network_mode: str | None, network: bool, egress: bool, allow: tuple[str, ...]
) -> str | None:
    """The one network mode the flags ask for; flags that disagree are a usage error (exit 2)."""
    asked = {name: value for name, value in (("--network-mode", network_mode),
                                             ("--network", "full" if network else None),
                                             ("--egress", "allowlist" if egress else None),
                                             ("--allow", "allowlist" if allow else None)) if value}
    if len(set(asked.values())) > 1:
        named = ", ".join(f"{flag} ({value})" for flag, value in asked.items())
        raise click.UsageError(f"the network flags disagree: {named}; choose one network mode")
    return next(iter(asked.values()), None)


def _run(argv: tuple[str, ...], prepared: PreparedSpawn, timeout_s: float) -> int:
    try:
        # Through the backend's own starter (the C launcher first): the spawn path that `enforced`
        # reports is the one that runs, and only fds 0-2 (the terminal's) reach the command.
        proc = prepared.start(stdin=None, stdout=None, stderr=None)
    except (OSError, subprocess.SubprocessError) as exc:
        prepared.release()
        say(f"vtcode: error: could not start {argv[0]!r} in the sandbox: {exc}", err=True)
        return 127
    try:
        return _status(proc.wait(timeout=timeout_s))
    except subprocess.TimeoutExpired:
        say(f"vtcode: sandbox.timeout_s ({timeout_s:g} s) reached; killing the command", err=True)
        _stop(proc)
        return TIMEOUT_STATUS
    except KeyboardInterrupt:
        # The child has its own session, so the terminal's Ctrl-C reached only us: pass it on.
        os.killpg(proc.pid, signal.SIGINT)
        try:
            return _status(proc.wait(timeout=3))
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            _stop(proc)
            return _status(proc.wait())


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the group first: a sandbox supervisor leading it then kills every descendant, daemons
    that left the group included; SIGKILL after a grace."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=1)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _status(code: int) -> int:
    return 128 - code if code < 0 else code


@sandbox.command(name="probe")
@workspace_options
@reports_errors
def probe(invocation: CommandContext) -> None:
    """Print what this machine can enforce as one JSON object: Landlock ABI, seccomp, namespaces...

    Each registered backend reports `available()`, plus its own `probe()` if it has one; the fields of
    the backend commands would use are also copied to the top level.
    """
    from vtcode.sandbox import SandboxDenied, choose_backend

    runtime = invocation.open_runtime(attach_sinks=False)
    backends: dict[str, dict[str, object]] = {}
    for entry in runtime.plugins.registries.sandboxes:
        availability = entry.obj.available()
        found: dict[str, object] = availability.model_dump()
        extra = getattr(entry.obj, "probe", None)
        if availability.available and callable(extra):
            found.update(extra())
        backends[entry.name] = found
    report: dict[str, object] = {"platform": sys.platform, "backends": backends}
    try:
        chosen, _ = choose_backend(
            runtime.plugins.registries.sandboxes, runtime.config.config.sandbox, runtime.bus
        )
        report["backend"] = chosen.name
        report.update({k: v for k, v in backends[chosen.name].items() if k not in report})
    except SandboxDenied as exc:
        report["backend"] = None
        report["denied"] = str(exc)
    say_json(json.dumps(report, sort_keys=True, default=str))
