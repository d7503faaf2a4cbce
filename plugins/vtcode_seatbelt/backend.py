"""The `seatbelt` backend (macOS): sandbox-exec with a generated profile. Not runnable on Linux: its
tests check the generated profile, and the docs say which claims are unverified here."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping

from vtcode_hookspecs import PreparedSpawn, SandboxAvailability, SandboxCleanup, SandboxRequest

from .profile import build_profile

SANDBOX_EXEC = "/usr/bin/sandbox-exec"
_SECRET = re.compile(
    r"TOKEN|SECRET|PASSW|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|^AWS_|^AZURE_|^GOOGLE_"
    r"|^SSH_AUTH_SOCK$|^GPG_AGENT|^DYLD_|^LD_|^PYTHON(?!UNBUFFERED$|IOENCODING$|UTF8$)"
    r"|^BASH_ENV$|^ENV$|^BASH_FUNC_|^NODE_OPTIONS$|^GIT_(?!(AUTHOR|COMMITTER)_)",
    re.I,
)


def scrub(env: Mapping[str, str]) -> dict[str, str]:
    """Credentials and code-injection variables removed (the Linux backend's list is the fuller one)."""
    return {k: v for k, v in env.items() if not _SECRET.search(k)}


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
        return SandboxAvailability(available=True, enforces=["seatbelt", "env:scrubbed"])

    def prepare(self, request: SandboxRequest) -> PreparedSpawn:
        own_tmp = request.tmp_dir is None
        tmp = os.path.realpath(request.tmp_dir or tempfile.mkdtemp(prefix="vtcode-sandbox-"))
        home = os.path.realpath(os.path.expanduser("~"))
        profile = build_profile(
            workspace=request.workspace,
            tmp_dir=tmp,
            mode=request.mode,
            network=request.network,
            read_roots=request.read_roots,
            protected=(*request.protected_paths, *request.state_paths),  # deny rules: no walk needed
            home=home,
        )
        umask, terminal = request.umask, request.terminal

        def preexec() -> None:
            if not terminal:
                os.setsid()
            if umask is not None:
                os.umask(umask)

        def release() -> SandboxCleanup:
            if own_tmp:
                shutil.rmtree(tmp, ignore_errors=True)
            return SandboxCleanup()

        return PreparedSpawn(
            argv=tuple(profile.sandbox_exec_argv(request.argv)),
            cwd=request.cwd,
            env=scrub(request.env) | {"HOME": tmp, "TMPDIR": tmp},
            preexec_fn=preexec,
            pass_fds=(),
            release=release,
            enforced=(
                "seatbelt",
                f"fs:{request.mode}",
                f"network:{'on' if request.network else 'off'}",
                "env:scrubbed",
            ),
        )

    def spawn(self, request: SandboxRequest) -> subprocess.Popen[bytes]:
        return self.prepare(request).spawn_owned()
