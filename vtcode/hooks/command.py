"""Run one command hook: in the kernel sandbox (read-only workspace, no network unless the managed file
grants it), the event as JSON on stdin, the answer as JSON on stdout, killed at its timeout, its output
bounded. Anything but exit 0 with an answer that validates (or no output) is a failure, which the runner
turns into a denial where the hook gates an action."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import IO, Any

from pydantic import ValidationError
from vtcode_hookspecs import CommandSandbox, HookAnswer

OUTPUT_CAP = 256 * 1024  # bytes of stdout kept; a hook printing more has failed
STDERR_CAP = 2_048


@dataclass(frozen=True)
class CommandRun:
    answer: HookAnswer | None
    error: str | None = None
    exit_code: int | None = None
    timed_out: bool = False


def run_command(
    sandbox: CommandSandbox,
    argv: list[str],
    root: str,
    stdin: bytes,
    *,
    timeout_s: float,
    network: bool,
    read_files: tuple[str, ...] = (),
) -> CommandRun:
    base = sandbox.request(argv, root)
    request = base.model_copy(
        update={
            "mode": "read-only",
            "network": network,
            "timeout_s": timeout_s,
            "read_roots": (*base.read_roots, *read_files),
        }
    )
    prepared = sandbox.prepare(request)
    try:
        proc = prepared.start(stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out: list[bytes] = []
        err: list[bytes] = []
        readers = [_reader(proc.stdout, out, OUTPUT_CAP + 1), _reader(proc.stderr, err, STDERR_CAP)]
        feeder = threading.Thread(target=_feed, args=(proc.stdin, stdin), name="vtcode-hook-in", daemon=True)
        feeder.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            proc.wait()
        deadline = time.monotonic() + 2.0
        for reader in readers:
            reader.join(max(deadline - time.monotonic(), 0))
    finally:
        prepared.release()  # every process the hook started is gone after this
    if timed_out:
        return CommandRun(None, f"timed out after {timeout_s:g} s and was killed", None, True)
    stdout = b"".join(out)
    stderr = b"".join(err).decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        detail = f": {' '.join(stderr.split())[:300]}" if stderr else ""
        return CommandRun(None, f"exited with status {proc.returncode}{detail}", proc.returncode)
    if len(stdout) > OUTPUT_CAP:
        return CommandRun(None, f"printed more than {OUTPUT_CAP} bytes", 0)
    return _parse(stdout)


def _parse(stdout: bytes) -> CommandRun:
    text = stdout.decode("utf-8", "replace").strip()
    if not text:
        return CommandRun(HookAnswer(), exit_code=0)
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except ValueError as exc:
        return CommandRun(None, f"its output is not JSON ({exc})", 0)
    except RecursionError:
        return CommandRun(None, "its output is not JSON (nested too deeply)", 0)
    if not isinstance(data, dict):
        return CommandRun(None, "its output is not a JSON object", 0)
    try:
        return CommandRun(HookAnswer.model_validate(data), exit_code=0)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answer"
        return CommandRun(None, f"its answer is not valid: {where}: {first['msg']}", 0)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A key given twice is a failure: parsers disagree on which one wins (`deny` then `allow`)."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"the key {key!r} is given twice")
        data[key] = value
    return data


def _reader(stream: IO[bytes] | None, into: list[bytes], cap: int) -> threading.Thread:
    def read() -> None:
        if stream is None:
            return
        kept = 0
        with stream:
            while chunk := stream.read(65_536):
                if kept < cap:
                    into.append(chunk[: cap - kept])
                    kept += len(into[-1])

    thread = threading.Thread(target=read, name="vtcode-hook-output", daemon=True)
    thread.start()
    return thread


def _feed(stream: IO[bytes] | None, data: bytes) -> None:
    if stream is None:
        return
    try:
        with stream:
            stream.write(data)
    except (BrokenPipeError, OSError):  # the hook did not read its input: its answer still counts
        pass
