"""The `seatbelt` backend (macOS): sandbox-exec with a generated profile. Not runnable on Linux: its
tests evaluate the generated profile, and the docs say which claims only a Mac can confirm."""

from __future__ import annotations

import dataclasses
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from typing import IO, Any

from vtcode_hookspecs import PreparedSpawn, SandboxAvailability, SandboxCleanup, SandboxRequest

from vtcode.api import scrub_env

from . import reaper
from .paths import canonical
from .plan import ProfilePlan, plan_for
from .profile import SANDBOX_EXEC, build_profile

Std = int | IO[Any] | None  # what Popen takes for stdin/stdout/stderr

# Toolchain homes found by `HOME`: the child's HOME is the private temp dir, so a granted (read-only)
# toolchain home is named explicitly, or rustup and pyenv would not find their toolchains.
_TOOL_HOMES = {"RUSTUP_HOME": ".rustup", "PYENV_ROOT": ".pyenv"}


# A Unix socket's path holds at most 104 bytes on macOS (sun_path). The command's TMPDIR is where
# multiprocessing, pytest and test servers put theirs (`pymp-XXXXXXXX/listener-XXXXXXXX`, pytest's
# `pytest-of-USER/pytest-N/test_name0/...`), so it is made in a short base: macOS's per-user
# $TMPDIR (/private/var/folders/xx/.../T/, ~57 bytes resolved) would leave too little.
SOCKET_PATH_MAX = 104
_SHORT_BASES = ("/private/tmp", "/tmp")  # noqa: S108 - sticky checked; mkdtemp makes a private 0700 dir


def short_tmp_base() -> str:
    """The shortest usable base for private temp dirs: the sticky, world-writable /tmp (mkdtemp makes a
    0700 directory with a random name there, which no other user can enter or take over first), else
    the user's temp dir."""
    for base in _SHORT_BASES:
        try:
            st = os.stat(base)
        except OSError:
            continue
        if st.st_mode & 0o1000 and os.access(base, os.W_OK | os.X_OK):
            return base
    return tempfile.gettempdir()


def scrub(env: Mapping[str, str]) -> dict[str, str]:
    """Credentials and code-injection variables removed: the same scrub as the Linux backend's."""
    return scrub_env(env)


def child_env(request: SandboxRequest, plan: ProfilePlan) -> dict[str, str]:
    env = scrub(request.env) | {"HOME": plan.tmp_dir, "TMPDIR": plan.tmp_dir}
    # clang's module cache defaults to the per-user cache dir, shared with host builds: a private one.
    env.setdefault("CLANG_MODULE_CACHE_PATH", os.path.join(plan.tmp_dir, "clang-module-cache"))
    for name, rel in _TOOL_HOMES.items():
        path = os.path.join(plan.home, rel)
        if name not in env and path in plan.reads:
            env[name] = path
    return env


def describe(plan: ProfilePlan) -> tuple[str, ...]:
    """What the profile enforces, for `sandbox.applied` and command results."""
    return (
        "seatbelt",
        f"fs:{plan.mode}",
        f"network:{'on' if plan.network else 'off'}",
        "git-dirs:read-only-but-git-writes" if plan.mode != "read-only" else "git-dirs:read-only",
        "env:scrubbed",
        "processes:profile-sweep" if plan.markers and reaper.available() else "processes:process-group",
    )


@dataclasses.dataclass(frozen=True)
class SeatbeltSpawn(PreparedSpawn):
    """Records the pid `start` made, so release() can also kill its process group."""

    started: list[int] = dataclasses.field(default_factory=list)

    def start(
        self,
        *,
        stdin: Std = subprocess.DEVNULL,
        stdout: Std = subprocess.PIPE,
        stderr: Std = subprocess.PIPE,
        pipesize: int = -1,
    ) -> subprocess.Popen[bytes]:
        proc = super().start(stdin=stdin, stdout=stdout, stderr=stderr, pipesize=pipesize)
        self.started.append(proc.pid)
        return proc


class SeatbeltBackend:
    name = "seatbelt"

    def available(self) -> SandboxAvailability:
        # platform.system(), not sys.platform: mypy would take the Linux branch as the only one.
        if platform.system() != "Darwin":
            return SandboxAvailability(
                available=False, reason=f"Seatbelt is macOS-only (this is {sys.platform})"
            )
        if not os.access(SANDBOX_EXEC, os.X_OK):
            return SandboxAvailability(available=False, reason=f"{SANDBOX_EXEC} is missing")
        processes = "processes:profile-sweep" if reaper.available() else "processes:process-group"
        return SandboxAvailability(available=True, enforces=["seatbelt", "env:scrubbed", processes])

    def probe(self) -> dict[str, object]:
        """For `vtcode sandbox probe`: whether the generated profile runs on this macOS, whether daemons
        can be found by their profile, and whether the home's file system ignores letter case."""
        from .probe import probe

        return probe(self)

    def prepare(self, request: SandboxRequest) -> PreparedSpawn:
        own_tmp = request.tmp_dir is None
        tmp = canonical(request.tmp_dir or tempfile.mkdtemp(prefix="vtcode-", dir=short_tmp_base()))
        markers = reaper.Markers.new()
        try:
            home = os.path.expanduser("~")
            # vtcode's own code and state are write-denied like protected paths (deny rules: no walk needed)
            guarded = request.model_copy(
                update={"protected_paths": (*request.protected_paths, *request.state_paths)})
            plan = plan_for(guarded, home=home, tmp_dir=tmp, markers=(markers.yes, markers.no))
            profile = build_profile(plan)
        except BaseException:
            if own_tmp:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        umask, terminal = request.umask, request.terminal
        started: list[int] = []
        released: list[SandboxCleanup] = []

        def preexec() -> None:
            if not terminal:
                os.setsid()
            if umask is not None:
                os.umask(umask)

        def release() -> SandboxCleanup:
            if released:
                return released[0]
            killed = reaper.kill_all(markers, started[0] if started and not terminal else None)
            if own_tmp:
                shutil.rmtree(tmp, ignore_errors=True)
            released.append(SandboxCleanup(killed=killed))
            return released[0]

        return SeatbeltSpawn(
            argv=tuple(profile.sandbox_exec_argv(request.argv)),
            cwd=request.cwd,
            env=child_env(request, plan),
            preexec_fn=preexec,
            pass_fds=(),
            release=release,
            enforced=describe(plan),
            unprotected=plan.unprotected,
            started=started,
        )

    def spawn(self, request: SandboxRequest) -> subprocess.Popen[bytes]:
        return self.prepare(request).spawn_owned()
