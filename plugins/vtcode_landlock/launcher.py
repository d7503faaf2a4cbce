"""The agent's side of the C launcher (launcher.c): find or build a verified binary, encode a launch plan,
start it with posix_spawn, and hand back a real Popen.

Why: a confined spawn needs code between fork and exec. Forking the agent copies its page tables; the
fork server forks a smaller Python process but still runs Python after fork (~1.2 ms) before the steps.
posix_spawn (vfork: nothing is copied) of a ~15 KB static C program without libc that makes the same
steps as raw system calls costs a fraction of that. The launcher is a dumb interpreter of
`Confinement.steps`: the order and the content of the confinement stay decided here, in one place.

Where the binary comes from, first match wins: `_launcher` beside this file (built into the wheel by
hatch_build.py), else `<user cache>/sandbox-launcher/launcher-<sha256 of launcher.c>` (built on first use
with the machine's gcc, for editable and source installs). Either must embed the SHA-256 of the
launcher.c beside this file, be a regular file owned by us or root and writable by nobody else; a cached
one is written with mode 0700 in a 0700 directory and renamed into place. No binary and no compiler:
`LauncherUnavailable`, and the backend falls back to the fork server (saying so in `enforced`).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import stat
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from .build_launcher import (
    BINARY_NAME,
    SOURCE_NAME,
    TAG_PREFIX,
    LauncherBuildError,
    compile_launcher,
    find_compiler,
    source_digest,
)
from .errors import SandboxUnavailable
from .served import AdoptedProcess, std_fds

HERE = Path(__file__).resolve().parent
PLAN_VERSION = 3
PLAN_MAGIC = b"VTLP"
PLAN_FD, ERR_FD, FIRST_STEP_FD = 3, 4, 5
# Steps name fds as the fork server numbers them (0-2 stdio, 3.. the extra fds); the launcher keeps
# 3 and 4 for the plan and its error pipe, so the extra fds sit two higher.
_FD_SHIFT = FIRST_STEP_FD - 3
_U64 = (1 << 64) - 1
_FS_ENCODING = sys.getfilesystemencoding()
OPS = {
    "argv": 1, "env": 2, "exec": 3,
    "prctl": 16, "setsid": 17, "setpgid": 18, "tty": 19, "write_fd": 20, "umask": 21, "unshare": 22,
    "write_proc": 23, "mount": 24, "setrlimit": 25, "chdir": 26, "capbset_drop": 27, "cap_trim": 28,
    "landlock": 29, "seccomp": 30, "mount_setattr": 31, "supervise": 32,
    "egress_listener": 33,
}
Std = int | IO[Any] | None


class LauncherUnavailable(SandboxUnavailable):
    """No verified launcher binary here and none could be built: use the fork server instead."""


class LauncherError(SandboxUnavailable):
    """The launcher refused or failed a step (one line); nothing was executed."""


# -- the binary -----------------------------------------------------------------------------------------

_lock = threading.Lock()
_found: tuple[str, int, tuple[int, ...]] | None = None  # path, pinned O_PATH fd, identity
_failed: str | None = None
PIN_FD_MIN = 100  # above every fd the spawn's file actions write to


def _identity(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode, st.st_uid)


def _trusted_owner(st: os.stat_result) -> bool:
    return st.st_uid in (os.geteuid(), 0) and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _verify_fd(fd: int, digest: str, path: str | Path) -> str | None:
    """`verify` for an O_PATH fd: the very inode that fd holds (read back through /proc/self/fd)."""
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return f"{path} is not a regular file"
        if not st.st_mode & stat.S_IXUSR or not _trusted_owner(st):
            return f"{path} is not executable, or is writable or owned by someone else"
        with open(f"/proc/self/fd/{fd}", "rb") as binary:
            data = binary.read()
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    if TAG_PREFIX + digest.encode() not in data:
        return f"{path} was not built from this {SOURCE_NAME} (sha256 {digest[:12]}...)"
    return None


def verify(path: str | Path, digest: str) -> str | None:
    """Why `path` may not be run as the launcher built from the source with `digest` (None: it may)."""
    try:
        fd = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    try:
        return _verify_fd(fd, digest, path)
    finally:
        os.close(fd)


def cache_dir() -> Path:
    from vtcode.api import private_dir, user_cache_dir

    return private_dir(user_cache_dir() / "sandbox-launcher")


def _build_into_cache(digest: str) -> str:
    if find_compiler() is None:
        raise LauncherUnavailable(
            f"no launcher binary in the package and no C compiler to build {SOURCE_NAME}"
        )
    directory = cache_dir()
    st = os.lstat(directory)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
        raise LauncherUnavailable(f"{directory} is not a private directory (mode 0700, ours)")
    final = directory / f"launcher-{digest}"
    if verify(final, digest) is None:
        return str(final)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=directory))
    try:
        built = work / "launcher"
        if compile_launcher(HERE / SOURCE_NAME, built) != digest:
            raise LauncherUnavailable(f"{SOURCE_NAME} changed while it was being compiled")
        os.chmod(built, 0o700)
        problem = verify(built, digest)
        if problem is not None:
            raise LauncherUnavailable(f"the launcher just built does not verify: {problem}")
        os.replace(built, final)  # atomic: a concurrent user sees the old file or this one, never half
    except LauncherBuildError as exc:
        raise LauncherUnavailable(f"the sandbox launcher could not be built: {exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            for leftover in work.iterdir():
                leftover.unlink()
            work.rmdir()
    return str(final)


def _resolve() -> tuple[str, str]:
    """(the binary to use, the source digest it must carry): packaged, else cached (built if need be)."""
    source = HERE / SOURCE_NAME
    try:
        digest = source_digest(source)
    except OSError as exc:
        raise LauncherUnavailable(f"{SOURCE_NAME} is missing beside the package ({exc.strerror})") from exc
    packaged = HERE / BINARY_NAME
    if os.path.lexists(packaged):
        problem = verify(packaged, digest)
        if problem is None:
            return str(packaged), digest
        raise LauncherUnavailable(f"the packaged launcher does not verify: {problem}")
    return _build_into_cache(digest), digest


def _pin(path: str, digest: str) -> tuple[int, tuple[int, ...]]:
    """Hold the binary open (O_PATH) and verify that inode: what is exec'd later, as /proc/self/fd/N, is
    the file that was verified even if the path is swapped after the check."""
    fd = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        pinned = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, PIN_FD_MIN)
    finally:
        os.close(fd)
    problem = _verify_fd(pinned, digest, path)
    if problem is not None:
        os.close(pinned)
        raise LauncherUnavailable(f"the launcher does not verify: {problem}")
    return pinned, _identity(os.fstat(pinned))


def locate() -> str:
    """The verified launcher's path (built on first use where the package has none); cheap after that:
    one lstat per call checks the path still names the inode that was verified and is held open."""
    global _found, _failed
    with _lock:
        if _found is not None:
            path, _, identity = _found
            try:
                if _identity(os.lstat(path)) == identity:
                    return path
            except OSError:
                pass
            # The old pin stays open on purpose: a spawn in another thread may be about to exec it, and
            # a closed number could be reused by an unrelated file. One fd per replaced binary.
            _found = None
        if _failed is not None:  # do not rerun a failing compiler for every command
            raise LauncherUnavailable(_failed)
        try:
            path, digest = _resolve()
            fd, identity = _pin(path, digest)
        except (LauncherUnavailable, OSError) as exc:
            _failed = str(exc)
            raise LauncherUnavailable(_failed) from exc
        _found = (path, fd, identity)
        return path


def _executable(binary: str) -> str:
    """What to exec for `binary`: the pinned, verified inode when it is the located launcher."""
    found = _found
    if found is not None and found[0] == binary:
        return f"/proc/self/fd/{found[1]}"
    return binary


def reset() -> None:
    """Forget what locate() found or why it failed (tests; a compiler installed meanwhile)."""
    global _found, _failed
    with _lock:
        _found = _failed = None  # a pin, if any, stays open (see locate)


# -- the plan -------------------------------------------------------------------------------------------


def _fd(index: int) -> int:
    if index < 3:
        raise ValueError(f"a step may not name fd index {index} (stdio)")
    return index + _FD_SHIFT


def _cstr(value: str | bytes) -> bytes:
    data = os.fsencode(value)
    if b"\0" in data:
        raise ValueError("embedded null byte")
    return data + b"\0"


def _strings(items: Sequence[str]) -> bytes:
    """NUL-terminated strings back to back; one embedded NUL anywhere is refused, as execve would."""
    if not items:
        return b""
    data = ("\0".join(items) + "\0").encode(_FS_ENCODING, "surrogateescape")  # os.fsencode, at once
    if data.count(0) != len(items):
        raise ValueError("embedded null byte")
    return data


def _step_data(op: str, args: tuple[Any, ...]) -> bytes:
    if op == "prctl":
        return struct.pack("=QQQ", *(int(a) & _U64 for a in args))
    if op in ("setsid", "setpgid", "tty"):
        return b""
    if op == "supervise":  # the supervisor's expected parent: this process, which starts the launcher
        return struct.pack("=I", os.getpid())
    if op == "write_fd":
        return struct.pack("=I", _fd(args[0])) + bytes(args[1])
    if op == "umask":
        return struct.pack("=I", args[0])
    if op == "unshare":
        return struct.pack("=Q", args[0])
    if op == "write_proc":
        return _cstr(args[0]) + bytes(args[1])
    if op == "mount":
        source, target, flags = args
        return struct.pack("=Q", flags) + (_cstr(source) if source else b"\0") + _cstr(target)
    if op == "mount_setattr":
        path, flags, attr_set, attr_clr = args
        return struct.pack("=IQQ", flags, attr_set, attr_clr) + _cstr(path)
    if op == "setrlimit":
        return struct.pack("=IQQ", args[0], args[1] & _U64, args[2] & _U64)
    if op == "chdir":
        return _cstr(args[0])
    if op == "capbset_drop":
        return struct.pack(f"={len(args[0])}I", *args[0])
    if op == "cap_trim":
        return struct.pack("=II", *args)
    if op == "landlock":
        return struct.pack("=II", _fd(args[0]), args[1])
    if op == "seccomp":
        return bytes(args[0])
    if op == "egress_listener":
        return struct.pack("=II", _fd(args[0]), args[1])
    raise ValueError(f"unknown sandbox step {op!r}")


def _record(op: str, label: str, data: bytes) -> bytes:
    name = label.encode()[:200]
    return struct.pack("=HHI", OPS[op], len(name), len(data)) + name + data


@functools.lru_cache(maxsize=256)
def _step_record(step: tuple[Any, ...]) -> bytes:
    """A step's record; memoised: the same steps (ruleset, BPF, mounts...) recur for every command."""
    return _record(step[1], step[0], _step_data(step[1], step[2:]))


def encode_plan(argv: Sequence[str], env: dict[str, str], candidates: Sequence[str],
                steps: Sequence[tuple[Any, ...]], version: int = PLAN_VERSION) -> bytes:
    """The launch as launcher.c reads it (format documented at the top of launcher.c)."""
    for key in env:
        if "=" in key or not key:
            raise ValueError(f"illegal environment variable name {key!r}")
    records = [
        _record("argv", "argv", _strings(argv)),
        _record("env", "env", _strings([f"{k}={v}" for k, v in env.items()])),
        _record("exec", "exec", _strings(candidates)),
    ]
    for step in steps:
        try:
            records.append(_step_record(tuple(step)))
        except TypeError:  # an unhashable argument (a bytearray...): encode it without the memo
            records.append(_record(step[1], step[0], _step_data(step[1], tuple(step[2:]))))
    body = b"".join(records)
    return PLAN_MAGIC + struct.pack("=III", version, 16 + len(body), len(records)) + body


def exec_candidates(argv0: str, env: dict[str, str]) -> list[str]:
    """Where execvpe would look, with the command's own PATH."""
    if os.path.dirname(argv0):
        return [argv0]
    return [os.path.join(d, argv0) for d in os.get_exec_path(env)]


# -- the launch -----------------------------------------------------------------------------------------


class LaunchedProcess(AdoptedProcess):
    """The launcher's child, which becomes the command at exec: a real child of this process, so Popen's
    own waitpid, poll, send_signal and communicate apply."""

    def __init__(self, args: Sequence[str], pid: int, stdin: IO[bytes] | None, stdout: IO[bytes] | None,
                 stderr: IO[bytes] | None) -> None:
        # Popen.__del__ keeps an unreaped child for later reaping
        super().__init__(args, pid, stdin, stdout, stderr, our_child=True)


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except InterruptedError:
            continue
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _raise_failure(line: bytes, argv: Sequence[str]) -> None:
    label, _, rest = line.decode(errors="replace").strip().partition("\t")
    code_text, _, message = rest.partition("\t")
    code = int(code_text) if code_text.lstrip("-").isdigit() else 0
    if label == "exec" and code:  # like Popen: the program could not be executed (ENOENT, EACCES...)
        raise OSError(code, f"{os.strerror(code)}: {argv[0]!r}")
    reason = f"{message}: {os.strerror(code)}" if code else message or repr(line[:200])
    raise LauncherError(f"sandbox step {label!r} failed in the launcher: {reason}; nothing was run")


def spawn_plan(binary: str, plan: bytes, fds: Sequence[int]) -> tuple[int, bytes]:
    """posix_spawn the launcher with `fds` as its 0, 1, 2, 5, 6... and `plan` on fd 3; returns its pid and
    what it wrote on the error pipe (empty: the command was exec'd)."""
    owned: list[int] = []
    errr = -1
    try:
        memfd = os.memfd_create("vtcode-launch-plan", os.MFD_CLOEXEC)
        owned.append(memfd)
        view = memoryview(plan)
        while view:
            view = view[os.write(memfd, view):]
        errr, errw = os.pipe2(os.O_CLOEXEC)
        owned.append(errw)
        sources = [*fds[:3], memfd, errw, *fds[3:]]
        actions = []
        for target, source in enumerate(sources):
            if source < len(sources):  # could be overwritten by an earlier dup2: move it out of range first
                source = fcntl.fcntl(source, fcntl.F_DUPFD_CLOEXEC, len(sources))
                owned.append(source)
            actions.append((os.POSIX_SPAWN_DUP2, source, target))
        try:
            pid = os.posix_spawn(_executable(binary), ["vtcode-sandbox-launcher"], {}, file_actions=actions)
        except OSError as exc:
            raise LauncherError(f"the sandbox launcher could not be started ({exc}); the command was not run"
                                ) from exc
    except BaseException:
        if errr >= 0:
            os.close(errr)
        raise
    finally:
        for fd in owned:
            os.close(fd)
    try:
        failure = _read_all(errr)  # EOF at the exec (close-on-exec), or after the one error line
    finally:
        os.close(errr)
    return pid, failure


def launch(binary: str, argv: Sequence[str], env: dict[str, str], steps: Sequence[tuple[Any, ...]],
           extra_fds: Sequence[int], stdin: Std = subprocess.DEVNULL, stdout: Std = subprocess.PIPE,
           stderr: Std = subprocess.PIPE, pipesize: int = -1) -> LaunchedProcess:
    """Start argv confined by `steps` (as for the fork server: they name `extra_fds` by index 3, 4...);
    stderr may be STDOUT. Raises LauncherError (one line), or OSError when the program cannot be
    executed, and then nothing ran."""
    plan = encode_plan(argv, env, exec_candidates(argv[0], env), steps)
    with std_fds(stdin, stdout, stderr, pipesize) as std:
        pid, failure = spawn_plan(binary, plan, [*std.fds, *extra_fds])
        if failure:
            _reap(pid)
            _raise_failure(failure, argv)
    return LaunchedProcess(argv, pid, *std.ours)


def _reap(pid: int) -> None:
    while True:
        try:
            os.waitpid(pid, 0)
            return
        except InterruptedError:
            continue
        except ChildProcessError:
            return

