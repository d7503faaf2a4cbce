"""How launcher.c becomes the sandbox launcher: one place for the compiler flags, used by the wheel's build
hook (hatch_build.py, which loads this file by path, so it imports the standard library only) and by the
first-use build into the user's cache (editable installs, see launcher.py).

The binary embeds the SHA-256 of the source it was built from (`TAG_PREFIX` + hex digest), so whoever runs
it can check that it matches the launcher.c beside it before executing anything.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

SOURCE_NAME = "launcher.c"
BINARY_NAME = "_launcher"
TAG_PREFIX = b"vtcode-launcher-source-sha256:"
# No libc (see launcher.c): freestanding, static, and nothing the compiler would need a C library for
# (stack-protector canaries live in libc's TLS; loop idioms would become calls to memcpy itself).
CFLAGS = ("-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-ffreestanding", "-fno-stack-protector",
          "-fno-tree-loop-distribute-patterns", "-fno-asynchronous-unwind-tables", "-fno-pie", "-no-pie",
          "-static", "-nostdlib", "-Wl,--build-id=none")
BUILD_TIMEOUT_S = 120


class LauncherBuildError(RuntimeError):
    """The compiler refused launcher.c (or could not be run)."""


def source_digest(source: Path) -> str:
    return hashlib.sha256(source.read_bytes()).hexdigest()


def find_compiler() -> str | None:
    """From PATH's absolute entries only: vtcode runs in the workspace, where a relative entry
    (`node_modules/.bin`, `.`) would let the repository compile the sandbox's own launcher."""
    entries = os.environ.get("PATH", os.defpath).split(os.pathsep)
    path = os.pathsep.join(e for e in entries if os.path.isabs(e))
    return shutil.which("gcc", path=path) or shutil.which("cc", path=path)


def compile_launcher(source: Path, output: Path, compiler: str | None = None) -> str:
    """Compile `source` into `output`; returns the source digest baked into it."""
    cc = compiler or find_compiler()
    if cc is None:
        raise LauncherBuildError("no C compiler (gcc or cc) on PATH")
    digest = source_digest(source)
    argv = [cc, *CFLAGS, f'-DVTCODE_LAUNCHER_SOURCE_SHA256="{digest}"', "-o", str(output), str(source)]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LauncherBuildError(f"{cc} could not be run: {exc}") from exc
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise LauncherBuildError(f"{cc} failed to compile {source.name}: {last}")
    return digest
