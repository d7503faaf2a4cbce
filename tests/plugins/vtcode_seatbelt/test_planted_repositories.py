"""A whole repository carried into the workspace by renaming a directory (the outside review's F2).

Seatbelt checks a rename as an unlink of the source and a create of the destination: `mv $TMPDIR/x
./sub`, where x holds a `.git` with a hook, is two allowed operations on paths no rule names (the `.git`
inside is never checked). No SBPL filter sees what a renamed directory holds, and denying `.git` in the
temp dir would break `git init` there (every test suite that makes repositories in its temp dir), so the
kernel layer cannot stop it. What stops it is the core's post-command containment (gitcontain), which
runs after every command whatever the backend: these tests show the profile allows each step, then run
the same steps through the core's WorkspaceSandbox with the Seatbelt backend's own prepare and release.

On Linux there is no sandbox-exec: the prepared argv's sandbox-exec is replaced by a shim that drops its
options and runs the command unconfined -- faithful here only because the evaluator shows the profile
allows every step of this script (the first test), which is the point of the finding.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from vtcode_seatbelt import profile as profile_module
from vtcode_seatbelt.backend import SeatbeltBackend

from vtcode.config.models import SandboxConfig
from vtcode.events import EventBus
from vtcode.sandbox.gitcontain import QUARANTINE_SUFFIX
from vtcode.sandbox.workspace import WorkspaceSandbox

from .conftest import World, git, make_world

HOOK = "#!/bin/sh\ntouch {marker}\n"


def test_the_profile_allows_every_step_of_carrying_a_repository_in(world: World) -> None:
    profile = world.profile()
    tmp, ws = world.tmp, world.ws
    for op, path in [
        ("file-write-create", f"{tmp}/x/.git/hooks/pre-commit"),  # git init and a hook, in the temp dir
        ("file-write-data", f"{tmp}/x/.git/config"),
        ("file-write-unlink", f"{tmp}/x"),  # mv $TMPDIR/x ./sub: the source...
        ("file-write-create", f"{ws}/sub"),  # ...and the destination; what x holds is not checked
    ]:
        assert profile.allows(op, path), (op, path)
    # Renamed onto a `.git` name directly, it is refused: the destination is a .git entry.
    assert not profile.allows("file-write-create", f"{ws}/sub/.git")
    assert not profile.allows("file-write-create", f"{ws}/src/.Git")


@pytest.fixture
def shim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """sandbox-exec's argv shape, without the sandbox: skip to `--`, run the rest."""
    path = tmp_path / "sandbox-exec"
    path.write_text('#!/bin/sh\nwhile [ "$1" != "--" ]; do shift; done\nshift\nexec "$@"\n')
    path.chmod(0o755)
    monkeypatch.setattr(profile_module, "SANDBOX_EXEC", str(path))
    # Linux caps one argv string at 128 KiB (MAX_ARG_STRLEN), macOS only the 1 MiB total that
    # test_second_review.py checks: the shim gets the profile as `-f FILE` (sandbox-exec's other spelling),
    # so a large home's profile still reaches it. The shim ignores the profile either way.
    original = profile_module.Profile.sandbox_exec_argv
    text_file = tmp_path / "profile.sb"

    def by_file(self: profile_module.Profile, argv: tuple[str, ...]) -> list[str]:
        full = original(self, argv)
        text_file.write_text(full[2])
        return [full[0], "-f", str(text_file), *full[3:]]

    monkeypatch.setattr(profile_module.Profile, "sandbox_exec_argv", by_file)
    return path


def _run(ws: Path, script: str, tmp_dir: Path, mode: str = "workspace-write") -> None:
    bus = EventBus()
    box = WorkspaceSandbox(SeatbeltBackend(), SandboxConfig(mode=mode), ws, bus)  # type: ignore[arg-type]
    request = box.request(["/bin/sh", "-c", script], str(ws)).model_copy(update={"tmp_dir": str(tmp_dir)})
    prepared = box.prepare(request)
    try:
        proc = prepared.start(stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out.decode(errors="replace")
    finally:
        prepared.release()
        bus.close()


@pytest.mark.parametrize("source", ["temp-dir", "outside-writable-root"])
def test_a_repository_renamed_into_the_workspace_is_quarantined_after_the_command(
    tmp_path: Path, shim: Path, source: str
) -> None:
    world = make_world(tmp_path / "w")
    marker = tmp_path / "hook-ran"
    carrier = world.tmp / "x" if source == "temp-dir" else world.other / "x"
    hook = f"{carrier}/.git/hooks/pre-commit"
    payload = HOOK.format(marker=marker)
    script = (f"git init -q {carrier} && printf '{payload}' > {hook} && chmod +x {hook} && "
              f"mv {carrier} {world.ws}/sub")
    mode = "workspace-write" if source == "temp-dir" else "full-access"
    _run(world.ws, script, world.tmp, mode)
    sub = world.ws / "sub"
    assert sub.is_dir() and not (sub / ".git").exists()  # the work is kept, the repository is not
    assert (sub / (".git" + QUARANTINE_SUFFIX)).is_dir()
    # The user's host-side git in that directory runs nothing the command planted.
    (sub / "f").write_text("x")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-c", "user.name=u", "-c", "user.email=u@x", "commit", "-q", "--allow-empty",
                    "-m", "host"], cwd=sub, env=env, capture_output=True, check=False)
    assert not marker.exists()
    git("status", cwd=world.ws)  # the workspace's own repository is intact
