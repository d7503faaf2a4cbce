"""`vtcode sandbox probe` on a Mac: does the generated profile compile and run here, can release() find
a command's daemons, and is the file system case-insensitive (the profile holds either way)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile

from vtcode_hookspecs import SandboxRequest

from . import reaper


def case_insensitive(directory: str) -> bool:
    """Whether names differing only in letter case are one file in `directory` (APFS's default)."""
    probe_dir = tempfile.mkdtemp(prefix="vtcode-case-", dir=directory)
    try:
        with open(os.path.join(probe_dir, "Probe"), "w", encoding="ascii"):
            pass
        return os.path.exists(os.path.join(probe_dir, "pROBE"))
    finally:
        shutil.rmtree(probe_dir, ignore_errors=True)


def _profile_runs(backend: object) -> tuple[bool, str]:
    """Run /usr/bin/true under a profile generated for a throwaway workspace: a profile the running macOS
    cannot compile (an operation it does not know) shows here, before any command needs it."""
    workspace = tempfile.mkdtemp(prefix="vtcode-probe-")
    try:
        request = SandboxRequest(argv=("/usr/bin/true",), cwd=workspace, workspace=workspace,
                                 env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        prepared = backend.prepare(request)  # type: ignore[attr-defined]
        try:
            done = subprocess.run(list(prepared.argv), cwd=workspace, env=prepared.env, capture_output=True,
                                  text=True, timeout=30, check=False)
        finally:
            prepared.release()
        lines = done.stderr.strip().splitlines()
        return done.returncode == 0, lines[0] if lines else f"exit {done.returncode}"
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return False, str(exc)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def probe(backend: object) -> dict[str, object]:
    runs, detail = _profile_runs(backend)
    try:
        reaper.members(reaper.Markers.new())
        sweep, why = True, ""
    except (OSError, AttributeError, ValueError) as exc:
        sweep, why = False, f"sandbox_check unavailable ({exc}): daemons that leave the process group survive"
    report: dict[str, object] = {
        "macos": platform.mac_ver()[0],
        "machine": platform.machine(),
        "profile_runs": runs,
        "profile_sweep": sweep,
        "case_insensitive_home": case_insensitive(os.path.expanduser("~")),
        "case_insensitive_tmp": case_insensitive(tempfile.gettempdir()),
    }
    if not runs:
        report["profile_error"] = detail
    if not sweep:
        report["profile_sweep_error"] = why
    return report
