"""vtcode's own process hardening, checked in fresh interpreters (it must never touch the test process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from vtcode.hardening import is_injection_variable

PROBE = textwrap.dedent("""
    import ctypes, json, os, resource, subprocess, sys
    from vtcode.hardening import harden, user_umask
    os.umask(0o022)
    done = harden()
    libc = ctypes.CDLL(None)
    child_env = subprocess.run(["/usr/bin/env"], capture_output=True, text=True).stdout
    probe = [sys.executable, "-c", "import os; m = os.umask(0); print(oct(m))"]
    print(json.dumps({
        "core": resource.getrlimit(resource.RLIMIT_CORE),
        "dumpable": libc.prctl(3, 0, 0, 0, 0),
        "umask": oct(os.umask(0o077)),
        "user_umask": oct(user_umask()),
        "removed": list(done.removed_env),
        "child_env": sorted(line.split("=", 1)[0] for line in child_env.splitlines()),
    }))
""")


def _hardened(env: dict[str, str]) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
        timeout=60,
    )
    report: dict[str, object] = json.loads(result.stdout)
    return report


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_DUMPABLE and /proc are Linux")
def test_harden_in_a_real_process() -> None:
    report = _hardened(
        {
            "LD_PRELOAD": "",
            "LD_LIBRARY_PATH": "/tmp/evil",
            "PYTHONSTARTUP": "/tmp/evil.py",
            "BASH_ENV": "/tmp/evil.sh",
            "PYTHONUNBUFFERED": "1",
            "LANG": "C.UTF-8",
        }
    )
    assert report["core"] == [0, 0]
    assert report["dumpable"] == 0
    assert report["umask"] == "0o77" and report["user_umask"] == "0o22"
    assert {"LD_PRELOAD", "LD_LIBRARY_PATH", "PYTHONSTARTUP", "BASH_ENV"} <= set(report["removed"])  # type: ignore[arg-type]
    child_env = set(report["child_env"])  # type: ignore[arg-type]
    assert not child_env & {"LD_PRELOAD", "LD_LIBRARY_PATH", "PYTHONSTARTUP", "BASH_ENV"}
    assert {"PYTHONUNBUFFERED", "LANG"} <= child_env


def test_injection_variables_are_recognised() -> None:
    for name in (
        "LD_PRELOAD",
        "LD_AUDIT",
        "DYLD_INSERT_LIBRARIES",
        "PYTHONPATH",
        "PYTHONSTARTUP",
        "BASH_ENV",
        "NODE_OPTIONS",
        "BASH_FUNC_ls%%",
        "PERL5OPT",
        "JAVA_TOOL_OPTIONS",
    ):
        assert is_injection_variable(name), name
    for name in ("PATH", "HOME", "LANG", "PYTHONUNBUFFERED", "TERM", "EDITOR"):
        assert not is_injection_variable(name), name


@pytest.mark.skipif(sys.platform != "linux", reason="the CLI entry is checked through /proc")
def test_cli_entry_hardens_but_version_stays_side_effect_free(tmp_path: os.PathLike[str]) -> None:
    vtcode = os.path.join(os.path.dirname(sys.executable), "vtcode")
    version = subprocess.run([vtcode, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("vtcode ")
    # The sandboxed child reads vtcode's own /proc status: the CLI entry hardened it.
    result = subprocess.run(
        [
            vtcode,
            "sandbox",
            "run",
            "--workspace",
            str(tmp_path),
            "--",
            "/bin/sh",
            "-c",
            # vtcode is the nearest ancestor not under no_new_privs (a supervisor, where there is one, is).
            "V=$PPID; while grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$V/status; do "
            "V=$(awk '/^PPid/{print $2}' /proc/$V/status); done; grep -E '^Umask' /proc/$V/status",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.stdout.split() == ["Umask:", "0077"], result.stderr


PYDANTIC_PLUGIN = """
import os, pathlib
pathlib.Path(os.environ["MARKER"]).write_text("pydantic plugin ran")


def new_schema_validator(*args, **kwargs):
    return None, None, None
"""


def test_pydantic_entry_point_plugins_never_load_in_vtcode(install_plugins, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A distribution's `pydantic` entry point is imported by pydantic itself on the first model build:
    in a plain program it runs; in vtcode (whose `plugins list` builds many models) it does not."""
    site = install_plugins(
        ("evil-pydantic-plugin", {"vtcode_t_pyd": PYDANTIC_PLUGIN}, {"evil": "vtcode_t_pyd"}),
        group="pydantic",
    )
    marker = tmp_path / "ran"
    env = {**os.environ, "PYTHONPATH": str(site), "MARKER": str(marker)}
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    plain = "import pydantic\nclass M(pydantic.BaseModel):\n    x: int = 0\n"
    subprocess.run([sys.executable, "-c", plain], env=env, check=True, timeout=60)
    assert marker.read_text() == "pydantic plugin ran"  # the plugin is real and pydantic would load it
    marker.unlink()

    listed = subprocess.run(
        [sys.executable, "-m", "vtcode", "plugins", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert not marker.exists()
    hardened = subprocess.run(
        [sys.executable, "-c", HARDENED_THEN_A_MODEL],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    off, imported, switch = hardened.stdout.split()
    assert off == "True"
    assert imported == "False"  # closing it imports nothing: a command without models never loads pydantic
    assert switch == "False"  # closed through the loader, so children are unaffected
    assert not marker.exists()


HARDENED_THEN_A_MODEL = """
import os, sys
from vtcode.hardening import harden
off = harden().pydantic_plugins_off
imported = "pydantic" in sys.modules
import pydantic
class M(pydantic.BaseModel):
    x: int = 0
M()
print(off, imported, "PYDANTIC_DISABLE_PLUGINS" in os.environ)
"""
