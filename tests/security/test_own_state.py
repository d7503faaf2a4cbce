"""vtcode's own code and state are out of the agent's reach, wherever the workspace is.

The review's attacks: with the workspace at $HOME, an approved sandboxed command planted an unchecked-hash
`.pyc` in ~/.cache/vtcode and the next `vtcode exec` ran it unsandboxed; with vtcode's venv inside the
workspace, a command wrote a `.pth` into its site-packages, run at the next start before the gate; and
`vtcode check path --write` allowed that path. The invariant: every place vtcode reads code, configuration,
caches or state from (`vtcode.paths.own_paths`) is refused by the jail and read-only for sandboxed commands.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from vtcode.paths import own_paths, user_cache_dir
from vtcode.workspace.jail import Jail

VTCODE = str(Path(sys.executable).parent / "vtcode")
LINUX_SANDBOX = sys.platform == "linux"


def _inside(path: str) -> str:
    return path.rstrip("/") + "/planted.pth" if os.path.isdir(path) else path


def test_own_paths_name_the_interpreter_the_caches_and_vtcodes_packages() -> None:
    import vtcode_hookspecs

    import vtcode

    found = own_paths()
    def covered(path: str) -> bool:
        real = os.path.realpath(path)
        return any(real == p or real.startswith(p.rstrip("/") + "/") for p in found)

    for needed in (str(user_cache_dir()), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"],
                   os.path.dirname(vtcode.__file__), os.path.dirname(vtcode_hookspecs.__file__),
                   sys.prefix if sys.prefix != sys.base_prefix else sysconfig.get_paths()["scripts"]):
        assert covered(needed), needed


def test_the_jail_refuses_every_place_vtcode_reads_from_even_with_the_workspace_at_the_root() -> None:
    jail = Jail(Path("/"))
    for path in own_paths(Path("/")):
        verdict = jail.check(_inside(path), write=True)
        assert not verdict.allowed, (path, verdict)
        assert verdict.protected or verdict.secret, (path, verdict)


@pytest.mark.parametrize("via", ["VTCODE_CACHE_DIR", "XDG_CACHE_HOME"])
def test_the_jail_refuses_the_cache_wherever_overrides_put_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, via: str
) -> None:
    home = (tmp_path / "home").resolve()
    home.mkdir()
    if via == "XDG_CACHE_HOME":
        monkeypatch.delenv("VTCODE_CACHE_DIR")
        monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".xdg-cache"))
        cache = home / ".xdg-cache" / "vtcode"
    else:
        monkeypatch.setenv("VTCODE_CACHE_DIR", str(home / ".cache" / "vtcode"))
        cache = home / ".cache" / "vtcode"
    jail = Jail(home, home=home)
    for target in ("pycache/vtcode/cli/__init__.cpython-311.pyc", "plugin-digests.json", "index/x.sqlite",
                   "sandbox-launcher/vtcode-launch"):
        verdict = jail.check(str((cache / target).relative_to(home)), write=True)
        assert not verdict.allowed and "vtcode keeps its own" in verdict.reason, (target, verdict)
    assert jail.check("project/notes.md", write=True).allowed


def test_check_path_write_refuses_a_pth_in_the_site_packages_vtcode_runs_from() -> None:
    site_packages = sysconfig.get_paths()["purelib"]
    result = subprocess.run([VTCODE, "check", "path", "--write", "--workspace", "/",
                             os.path.join(site_packages, "zz_planted.pth")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 11, result.stdout + result.stderr  # deny
    assert "vtcode keeps its own" in result.stdout


def _sandboxed(workspace: Path, script: str, env: dict[str, str], python: str | None = None,
               mode: str = "workspace-write") -> subprocess.CompletedProcess[str]:
    argv = [python, "-m", "vtcode"] if python else [VTCODE]
    return subprocess.run([*argv, "sandbox", "run", "--mode", mode, "--workspace", str(workspace), "--",
                           "/bin/sh", "-c", script],
                          capture_output=True, text=True, timeout=120, env=env, cwd=workspace.parent)


@pytest.mark.skipif(not LINUX_SANDBOX, reason="the Linux sandbox (landlock)")
@pytest.mark.parametrize("mode", ["workspace-write", "full-access"])
def test_a_sandboxed_command_cannot_plant_bytecode_or_caches_with_the_workspace_at_home(
    tmp_path: Path, mode: str
) -> None:
    home = (tmp_path / "home").resolve()
    cache = home / ".cache" / "vtcode"
    (home / "project").mkdir(parents=True)
    env = {**os.environ, "VTCODE_CACHE_DIR": str(cache), "HOME": str(home)}
    script = (
        "mkdir -p .cache/vtcode/pycache; echo bad > .cache/vtcode/pycache/evil.pyc; "
        "echo bad > .cache/vtcode/plugin-digests.json; rm -rf .cache/vtcode/sandbox-launcher; "
        "mv .cache .cache.old; mkdir -p .cache/vtcode; echo bad > .cache/vtcode/x.pyc; "
        "echo ok > project/notes.txt"
    )
    result = _sandboxed(home, script, env, mode=mode)
    assert result.returncode == 0, result.stderr
    assert (home / "project" / "notes.txt").read_text() == "ok\n"  # the workspace itself stays writable
    assert "Read-only file system" in result.stderr or "Device or resource busy" in result.stderr
    assert not (cache / "pycache" / "evil.pyc").exists()
    assert not (home / ".cache.old").exists() and not (cache / "x.pyc").exists()
    digests = cache / "plugin-digests.json"
    assert not digests.exists() or "bad" not in digests.read_text()
    from vtcode_landlock import launcher

    if not (launcher.HERE / "_launcher").exists():  # an editable install builds its launcher in the cache
        assert (cache / "sandbox-launcher").is_dir()


@pytest.mark.skipif(not LINUX_SANDBOX, reason="the Linux sandbox (landlock)")
def test_a_sandboxed_command_cannot_write_a_pth_into_a_venv_inside_the_workspace(tmp_path: Path) -> None:
    workspace = (tmp_path / "ws").resolve()
    workspace.mkdir()
    venv = workspace / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site_packages = Path(subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    # vtcode runs from this venv: its packages come from the test's environment through a .pth of plain
    # path lines (a line that runs code would be refused at start by the .pth gate, rightly): the
    # site-packages, and the source roots an editable install would have added.
    import vtcode_hookspecs
    import vtcode_landlock

    import vtcode

    roots = [sysconfig.get_paths()["purelib"]]
    packages = (vtcode, vtcode_hookspecs, vtcode_landlock)
    roots += [str(Path(m.__file__ or "").resolve().parents[1]) for m in packages]
    (site_packages / "vtcode_dev.pth").write_text("".join(f"{r}\n" for r in dict.fromkeys(roots)))
    env = {**os.environ}
    script = ("echo 'import os; os.system(\"touch /tmp/pwned\")' > .venv/lib/python3.11/site-packages/zz.pth;"
              " echo bad >> .venv/pyvenv.cfg; echo bad > .venv/bin/vtcode; echo ok > project.txt")
    script = script.replace("python3.11", site_packages.parent.name)
    result = _sandboxed(workspace, script, env, python=str(venv / "bin" / "python"))
    assert result.returncode == 0, result.stderr
    assert (workspace / "project.txt").read_text() == "ok\n"
    assert not (site_packages / "zz.pth").exists()
    assert "bad" not in (venv / "pyvenv.cfg").read_text()
    assert not (venv / "bin" / "vtcode").exists()
    # And the jail of that run refuses it too.
    check = subprocess.run([str(venv / "bin" / "python"), "-m", "vtcode", "check", "path", "--write",
                            "--workspace", str(workspace), ".venv/lib/zz.pth"],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert check.returncode == 11, check.stdout + check.stderr


def _executable_chain() -> list[str]:
    hops, current = [], os.path.abspath(sys.executable)
    while True:
        hops.append(current)
        if not os.path.islink(current):
            return hops
        current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))


def _libpython_dirs() -> list[str]:
    libdir = sysconfig.get_config_var("LIBDIR")
    lib = sysconfig.get_config_var("INSTSONAME") or sysconfig.get_config_var("LDLIBRARY")
    found = [libdir] if libdir else []
    if libdir and lib and os.path.exists(os.path.join(libdir, lib)):
        found.append(os.path.dirname(os.path.realpath(os.path.join(libdir, lib))))
    return found


def test_own_paths_cover_the_whole_base_installation_and_every_hop_of_the_interpreter() -> None:
    # pyenv, uv, conda and asdf install Python under $HOME; with the workspace at $HOME the base
    # interpreter's bin/ (the binary the venv's python3 links to) and lib/ (libpython) are vtcode's code.
    found = own_paths()

    def covered(path: str) -> bool:
        real = os.path.realpath(path)
        return any(real == p or real.startswith(p.rstrip("/") + "/") for p in found)

    needed = [sys.base_prefix, sys.base_exec_prefix, os.path.realpath(sys.executable), *_libpython_dirs(),
              *(os.path.dirname(hop) for hop in _executable_chain())]
    for path in needed:
        assert covered(path), path


def test_the_jail_refuses_the_base_interpreter_with_the_workspace_holding_it() -> None:
    base = Path(os.path.realpath(sys.base_prefix))
    workspace = base.parent  # ~/.pyenv/versions, or / for a system Python at /usr
    jail = Jail(workspace)
    targets = [os.path.realpath(sys.executable), os.path.join(sysconfig.get_paths()["stdlib"], "os.py"),
               *(os.path.join(d, "libpython-planted.so") for d in _libpython_dirs()),
               *_executable_chain()]
    for target in targets:
        verdict = jail.check(target, write=True)
        assert not verdict.allowed and verdict.protected, (target, verdict)


def test_the_jail_judges_every_symlink_hop_against_vtcodes_state(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    home = (tmp_path / "home").resolve()
    cache = home / ".cache" / "vtcode"
    cache.mkdir(parents=True)
    (home / "project").mkdir()
    monkeypatch.setenv("VTCODE_CACHE_DIR", str(cache))
    (cache / "launcher").symlink_to("../../project/out")  # a link inside the state pointing out of it
    (home / "project" / "cached").symlink_to("../.cache/vtcode/x.pyc")  # and one pointing into it
    jail = Jail(home, home=home)
    for spelled in (".cache/vtcode/launcher", "project/cached"):
        verdict = jail.check(spelled, write=True)
        assert not verdict.allowed and verdict.protected, (spelled, verdict)
    assert jail.check("project/out", write=True).allowed


@pytest.mark.skipif(not LINUX_SANDBOX, reason="the Linux sandbox (landlock)")
def test_a_sandboxed_command_cannot_write_the_base_interpreter_with_the_workspace_holding_it() -> None:
    base = Path(os.path.realpath(sys.base_prefix))
    dirs = sorted({os.path.dirname(os.path.realpath(sys.executable)), *_libpython_dirs(),
                   sysconfig.get_paths()["stdlib"]})
    probes = [os.path.join(d, f".vtcode-probe-{os.getpid()}") for d in dirs]
    script = "; ".join(f"touch {p!r} && echo WROTE {p!r}" for p in probes)
    try:
        result = _sandboxed(base.parent, script, {**os.environ})
        assert "WROTE" not in result.stdout, result.stdout
        assert not any(os.path.exists(p) for p in probes)
    finally:
        for probe in probes:
            with contextlib.suppress(OSError):
                os.unlink(probe)


def test_a_config_file_in_effect_inside_the_workspace_is_refused_by_the_jail(tmp_path: Path) -> None:
    workspace = (tmp_path / "ws").resolve()
    workspace.mkdir()
    (workspace / "team.toml").write_text("[agent]\nmax_turns = 20\n")
    result = subprocess.run([VTCODE, "check", "path", "--write", "--workspace", str(workspace),
                             "--config", str(workspace / "team.toml"), "team.toml"],
                            capture_output=True, text=True, timeout=60, cwd=workspace)
    assert result.returncode == 11, result.stdout + result.stderr
    assert "vtcode keeps its own" in result.stdout + result.stderr
    # Without --config it is an ordinary file of the repository.
    plain = subprocess.run([VTCODE, "check", "path", "--write", "--workspace", str(workspace), "team.toml"],
                           capture_output=True, text=True, timeout=60, cwd=workspace)
    assert plain.returncode == 0, plain.stdout + plain.stderr


@pytest.mark.skipif(not LINUX_SANDBOX, reason="the Linux sandbox (landlock)")
@pytest.mark.parametrize("mode", ["workspace-write", "full-access"])
def test_a_sandboxed_command_cannot_rewrite_a_config_file_in_effect(tmp_path: Path, mode: str) -> None:
    # `--config team.toml` with team.toml in the repository: a command the person approved appended
    # `[sandbox] mode = "full-access"` to it for the next run.
    workspace = (tmp_path / "ws").resolve()
    workspace.mkdir()
    team = workspace / "team.toml"
    team.write_text("[agent]\nmax_turns = 20\n")
    script = ("printf '[sandbox]\\nmode = \"full-access\"\\n' >> team.toml; mv team.toml t2; "
              "rm -f team.toml; echo ok > notes.txt")
    result = subprocess.run([VTCODE, "sandbox", "run", "--mode", mode, "--workspace", str(workspace),
                             "--config", str(team), "--", "/bin/sh", "-c", script],
                            capture_output=True, text=True, timeout=120, cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert (workspace / "notes.txt").read_text() == "ok\n"
    assert team.read_text() == "[agent]\nmax_turns = 20\n"
    assert not (workspace / "t2").exists()
