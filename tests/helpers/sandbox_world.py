"""The sandbox's escape suite as invariants over a small world, runnable in-process (root) and as a
script under a spare uid (`python sandbox_world.py OUT.json PATH...`: the unprivileged run).

A world is a workspace that is a git repository (with a husky hooks path, an included config file, a
nested repository and a submodule-like nested repository), plus canaries outside it: a fake home with an
SSH key, a git config and a bin/ tool, another project, a file with an extended attribute. Each attack
runs through the core's WorkspaceSandbox (the agent's path: backend, snapshot-and-restore, neutralising),
then every process of the command must be gone and, after a pause for anything that would act late:

- nothing outside the writable roots changed: content, mode, owner, times, xattrs, link targets, and no
  entry appeared or vanished;
- no git control file of any repository in the workspace changed (everything in a git directory but
  what ordinary git work writes), and no new one appeared;
- the user's host-side git (status, diff, log, commit with hooks, in every repository) runs nothing the
  command planted: every payload would create a marker file, which must not exist.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# Entries of a git directory that git itself writes during ordinary work (compared nowhere).
GIT_STATE = {"objects", "refs", "logs", "index", "HEAD", "ORIG_HEAD", "FETCH_HEAD", "COMMIT_EDITMSG",
             "packed-refs", "AUTO_MERGE", "MERGE_HEAD", "MERGE_MSG", "MERGE_MODE"}
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]


@dataclasses.dataclass
class World:
    root: Path
    ws: Path
    outside: Path  # everything the command must not change (canaries)
    home: Path
    markers: Path

    @property
    def marker(self) -> Path:
        return self.markers / "pwned"


def _git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env=env).stdout


def make_world(base: Path) -> World:
    root = Path(tempfile.mkdtemp(prefix="world-", dir=base))
    outside = root / "outside"
    home = outside / "home"
    (home / ".ssh").mkdir(parents=True)
    key = home / ".ssh" / "id_rsa"
    key.write_text("-----BEGIN FAKE PRIVATE KEY-----\n")
    key.chmod(0o600)
    (home / ".gitconfig").write_text("[user]\n\tname = Canary\n")
    (home / "bin").mkdir()
    tool = home / "bin" / "tool"
    tool.write_text("#!/bin/sh\necho tool\n")
    tool.chmod(0o755)
    other = outside / "other-project"
    (other / "src").mkdir(parents=True)
    (other / "src" / "main.py").write_text("print('other')\n")
    (other / "secret.txt").write_text("other secret\n")
    os.setxattr(other / "secret.txt", "user.tag", b"canary")
    (outside / "private").mkdir(mode=0o700)
    (outside / "link").symlink_to(other)
    markers = root / "markers"
    markers.mkdir()
    markers.chmod(0o777)  # host-side payloads of every uid may write here (they must never run)
    ws = root / "ws"
    ws.mkdir()
    env = {**os.environ, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
    _git(ws, "init", "-q", env=env)
    (ws / "README.md").write_text("hello\n")
    (ws / "build.sh").write_text("#!/bin/sh\necho built\n")
    (ws / ".husky").mkdir()
    (ws / ".husky" / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
    (ws / ".husky" / "pre-commit").chmod(0o755)
    (ws / ".gitconfig-project").write_text("[core]\n\tautocrlf = false\n")
    with open(ws / ".git" / "config", "a") as f:
        f.write("[core]\n\thooksPath = .husky\n[include]\n\tpath = ../.gitconfig-project\n")
    _git(ws, "add", ".", env=env)
    _git(ws, "commit", "-qm", "first", env=env)
    lib = ws / "vendor" / "lib"
    lib.mkdir(parents=True)
    _git(lib, "init", "-q", env=env)
    (lib / "lib.py").write_text("x = 1\n")
    _git(lib, "add", ".", env=env)
    _git(lib, "commit", "-qm", "lib", env=env)
    return World(root, ws, outside, home, markers)


@dataclasses.dataclass(frozen=True)
class Entry:
    kind: str
    mode: int
    uid: int
    gid: int
    mtime_ns: int
    digest: str
    xattrs: tuple[tuple[str, bytes], ...]


def _entry(path: Path) -> Entry:
    st = os.lstat(path)
    digest = ""
    if stat.S_ISREG(st.st_mode):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    elif stat.S_ISLNK(st.st_mode):
        digest = os.readlink(path)
    try:
        names = os.listxattr(path, follow_symlinks=False)
        xattrs = tuple(sorted((n, os.getxattr(path, n, follow_symlinks=False)) for n in names))
    except OSError:
        xattrs = ()
    kind = "dir" if stat.S_ISDIR(st.st_mode) else "link" if stat.S_ISLNK(st.st_mode) else "file"
    mtime = st.st_mtime_ns if kind != "dir" else 0  # a directory's mtime is checked through its entries
    return Entry(kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, mtime, digest, xattrs)


def _walk(root: Path, skip_git_state: bool) -> Iterator[Path]:
    yield root
    if root.is_symlink() or not root.is_dir():
        return
    for child in sorted(root.iterdir()):
        if skip_git_state and child.parent.name == ".git" and child.name in GIT_STATE:
            continue
        yield from _walk(child, skip_git_state)


def git_dirs(ws: Path) -> list[Path]:
    return sorted(p for p in ws.rglob(".git") if p.is_dir())


def snapshot(world: World, gitdirs: list[Path]) -> dict[str, Entry]:
    """Everything the command may not change: the world outside the workspace (whole), the control files
    of every git directory that existed before the command (new repositories the command makes are its
    own, and are checked through the host's git), and what git's configuration points at."""
    seen: dict[str, Entry] = {}
    paths = [*_walk(world.outside, False)]
    for gitdir in gitdirs:
        paths += [*_walk(gitdir, True)]
    paths += [*_walk(world.ws / ".husky", False), world.ws / ".gitconfig-project"]
    for path in paths:
        if os.path.lexists(path):
            seen[str(path)] = _entry(path)
    return seen


def differences(before: dict[str, Entry], after: dict[str, Entry]) -> list[str]:
    found = []
    for path in sorted(set(before) | set(after)):
        if before.get(path) != after.get(path):
            found.append(f"{path}: {before.get(path)} -> {after.get(path)}")
    return found


def host_git(world: World) -> list[str]:
    """What the user does next on the host, in every repository; returns what ran that should not."""
    env = {**os.environ, "HOME": str(world.home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    env.pop("GIT_DIR", None)
    repos = [world.ws, *(p.parent for p in world.ws.rglob(".git") if p.parent != world.ws)]
    for repo in repos:
        for args in (["status"], ["diff"], ["log", "-1"], ["commit", "--allow-empty", "-qm", "probe"]):
            subprocess.run([*GIT, *args], cwd=repo, env=env, capture_output=True, timeout=60, check=False)
    return [f"host git ran a planted payload ({world.marker})"] if world.marker.exists() else []


def survivors(world: World) -> list[int]:
    """Live processes whose working directory or command line is in the world."""
    found = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{entry}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state != b"Z" and (cwd.startswith(str(world.root)) or str(world.root).encode() in cmdline):
            found.append(int(entry))
    return found


def attacks(world: World) -> dict[str, str]:
    """name -> shell script run in the workspace under the sandbox. Each payload touches the marker."""
    out, home, ws, mark = world.outside, world.home, world.ws, world.marker
    payload = f"touch {mark}"
    fsmonitor = f'[core]\\n\\tfsmonitor = "{payload}"\\n'
    late = "sleep 1.5"
    return {
        # 1. git metadata: what the host's git executes or which config/hooks it reads
        "commondir": f"mkdir -p evil/hooks && printf '{fsmonitor}' > evil/config && cp -r .git/objects "
                     f".git/refs .git/HEAD evil/ ; echo {ws}/evil > .git/commondir",
        "config_worktree": f"printf '{fsmonitor}' > .git/config.worktree",
        "config_rename_over": f"cp .git/config c2; printf '{fsmonitor}' >> c2; mv -f c2 .git/config",
        "config_append": f"printf '{fsmonitor}' >> .git/config",
        "git_config_command": f"git config core.fsmonitor '{payload}'",
        "move_gitdir_away": f"mv .git g && printf '{fsmonitor}' >> g/config && mv g .git",
        "copy_gitdir_replace": f"cp -r .git g2 && printf '{fsmonitor}' >> g2/config && rm -rf .git; "
                               "mv g2 .git",
        "hook_pre_commit": f"printf '#!/bin/sh\\n{payload}\\n' > .git/hooks/pre-commit; "
                           "chmod +x .git/hooks/pre-commit",
        "hook_index_change": f"mkdir -p .git/hooks; printf '#!/bin/sh\\n{payload}\\n' > "
                             ".git/hooks/post-index-change; chmod +x .git/hooks/post-index-change",
        "husky_hook": f"printf '#!/bin/sh\\n{payload}\\n' > .husky/pre-commit",
        "husky_dir_swap": f"mv .husky h2; mkdir .husky; printf '#!/bin/sh\\n{payload}\\n' > "
                          ".husky/pre-commit; chmod +x .husky/pre-commit",
        "included_config": f"printf '{fsmonitor}' >> .gitconfig-project",
        "info_attributes": "mkdir -p .git/info; printf '* filter=evil\\n' > .git/info/attributes",
        "nested_repo_config": f"printf '{fsmonitor}' >> vendor/lib/.git/config",
        "nested_repo_hook": f"printf '#!/bin/sh\\n{payload}\\n' > vendor/lib/.git/hooks/pre-commit; "
                            "chmod +x vendor/lib/.git/hooks/pre-commit",
        "planted_repo": f"mkdir sub && cd sub && git init -q && printf '{fsmonitor}' >> .git/config && "
                        f"printf '#!/bin/sh\\n{payload}\\n' > .git/hooks/pre-commit && "
                        "chmod +x .git/hooks/pre-commit",
        "gitlink_to_planted_gitdir": (
            f"git init -q evil2 && printf '{fsmonitor}' >> evil2/.git/config && "
            "git -C evil2 -c user.name=a -c user.email=a@a commit -q --allow-empty -m x && "
            "mkdir sm && printf 'gitdir: ../evil2/.git\\n' > sm/.git && "
            "git update-index --add --cacheinfo 160000,$(git -C evil2 rev-parse HEAD),sm"
        ),
        "modules_dir": f"mkdir -p .git/modules/m && printf '{fsmonitor}' > .git/modules/m/config",
        "late_daemon_git": f"(setsid sh -c '{late}; printf \"{fsmonitor}\" >> .git/config; "
                           f"echo x > .git/commondir' &) ; exit 0",
        # 2. metadata outside the writable roots (and set-id bits anywhere)
        "chmod_key": f"chmod 0644 {home}/.ssh/id_rsa",
        "chmod_setuid_outside": f"chmod 4755 {home}/bin/tool",
        "chown_outside": f"chown 65534 {out}/other-project/secret.txt",
        "touch_times": f"touch -d 2001-01-01 {out}/other-project/secret.txt {home}/.gitconfig",
        "xattr_set_remove": f"python3 -c \"import os; os.setxattr('{out}/other-project/secret.txt', "
                            f"'user.x', b'1')\"; python3 -c \"import os; os.removexattr("
                            f"'{out}/other-project/secret.txt', 'user.tag')\"",
        "fchmod_readonly_fd": f"python3 -c \"import os; fd = os.open('{out}/other-project/src/main.py', "
                              "os.O_RDONLY); os.fchmod(fd, 0o777)\"",
        "chmod_via_proc_fd": f"python3 -c \"import os; fd = os.open('{home}/bin/tool', os.O_PATH); "
                             "os.chmod(f'/proc/self/fd/{fd}', 0o777)\"",
        "utime_dir_fd": f"python3 -c \"import os; d = os.open('{out}', os.O_RDONLY); "
                        "os.utime('other-project', (1, 1), dir_fd=d)\"",
        "chmod_dir": f"chmod 0777 {out}/private",
        "rename_outside": f"mv {out}/other-project/secret.txt {out}/other-project/s2",
        "link_outside": f"ln {home}/.ssh/id_rsa ws-key; ln -s {home}/.ssh/id_rsa sym; chmod 0666 sym",
        "setuid_in_workspace": "cp /bin/sh ./sh && chmod 4755 ./sh; install -m 4755 /bin/sh ./sh2",
        "symlink_swap_outside": f"rm -f {out}/link; ln -sfn /etc {out}/link",
        # 3. inherited resources: only 0-2 reach the command
        "inherited_fds": f"for fd in /proc/self/fd/*; do n=${{fd##*/}}; [ $n -gt 2 ] && "
                         f"[ \"$(readlink $fd)\" != \"/proc/$$/fd\" ] && echo $n >> {ws}/leaked; done; "
                         f"test ! -e {ws}/leaked || (cat {ws}/leaked; {payload}) ",
        # 4. writable shared places
        "shared_memory": f"echo x > /dev/shm/vtcode-world-{os.getpid()} && ls /dev/shm",
        # 5. descendants that outlive the command and act late
        "setsid_daemon": f"(setsid sh -c '{late}; chmod 0666 {home}/.ssh/id_rsa; {payload}' &) ; exit 0",
        "nohup_disown": f"nohup sh -c '{late}; printf x >> .husky/pre-commit; {payload}' >/dev/null 2>&1 & "
                        "disown; exit 0",
        "ignores_term": f"(setsid sh -c 'trap \"\" TERM HUP INT; {late}; {payload}' &) ; exit 0",
        "kills_its_supervisor": f"kill -9 $PPID; (setsid sh -c '{late}; {payload}' &); sleep 0.2",
        "double_fork_python": f"python3 -c \"import os, time\nif os.fork(): os._exit(0)\nos.setsid()\n"
                              f"if os.fork(): os._exit(0)\ntime.sleep(1.5)\nopen('{mark}', 'w')\"",
    }


ORDINARY_WORK = (
    "chmod +x build.sh && ./build.sh && git add -A && git -c user.name=a -c user.email=a@a commit -qm w && "
    "git status --short && git stash list && git checkout -q -b topic && git log --oneline -1 && "
    "python3 -c 'import multiprocessing as m; l = m.Lock(); print(\"lock\")' && git -C vendor/lib status -s"
)


def run_in_sandbox(world: World, script: str, spawn: str, **backend_options: object) -> tuple[int, str]:
    """One command through the core's WorkspaceSandbox with the landlock backend on one spawn path."""
    from vtcode_landlock import launcher
    from vtcode_landlock.backend import LandlockBackend

    from vtcode.config.models import SandboxConfig
    from vtcode.events import EventBus
    from vtcode.sandbox.workspace import WorkspaceSandbox

    bus = EventBus()
    backend = LandlockBackend(launcher=spawn == "launcher", fork_server=spawn == "fork-server",
                              **backend_options)  # type: ignore[arg-type]
    box = WorkspaceSandbox(backend, SandboxConfig(), world.ws, bus)
    prepared = box.prepare(box.request(["/bin/sh", "-c", script], str(world.ws)))
    try:
        assert prepared.enforced[-1].startswith(f"spawn:{spawn}"), (prepared.enforced, launcher)
        proc = prepared.start(stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        code = proc.returncode
    finally:
        prepared.release()
        backend.close()
        bus.close()
    return code, out.decode(errors="replace")


def check_attacks(base: Path, names: list[str], spawn: str, **backend_options: object) -> list[str]:
    """Run each attack in a fresh world, then (once, after a pause for anything acting late) check every
    invariant in every world; every broken one, as a line."""
    runs: list[tuple[str, World, list[Path], dict[str, Entry], str]] = []
    shm_before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    problems: list[str] = []
    try:
        for name in names:
            world = make_world(base)
            gitdirs = git_dirs(world.ws)
            before = snapshot(world, gitdirs)
            _, output = run_in_sandbox(world, attacks(world)[name], spawn, **backend_options)
            runs.append((name, world, gitdirs, before, output))
        time.sleep(2.0)  # anything that would act late (after release) has had its chance
        new_shm = (set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()) - shm_before
        problems += [f"/dev/shm/{n} appeared on the host [{spawn}]" for n in new_shm if "vtcode-world" in n]
        for name, world, gitdirs, before, output in runs:
            found = [f"survivor {pid}" for pid in survivors(world)]
            found += differences(before, snapshot(world, gitdirs))
            for binary in ("sh", "sh2"):
                path = world.ws / binary
                if path.exists() and os.stat(path).st_mode & 0o6000:
                    found.append(f"a set-id binary {binary} was made in the workspace")
            found += host_git(world)
            problems += [f"{name} [{spawn}]: {p}" for p in found]
            if found:
                problems.append(f"  {name} output: {output.strip()[:400]}")
    finally:
        for _, world, *_ in runs:
            shutil.rmtree(world.root, ignore_errors=True)
    return problems


def check_ordinary_work(base: Path, spawn: str, **backend_options: object) -> list[str]:
    world = make_world(base)
    try:
        code, output = run_in_sandbox(world, ORDINARY_WORK, spawn, **backend_options)
        if code != 0 or "built" not in output or "lock" not in output:
            return [f"ordinary work [{spawn}] failed ({code}): {output.strip()[:600]}"]
        return []
    finally:
        shutil.rmtree(world.root, ignore_errors=True)


def main(argv: list[str]) -> int:
    """As a script (the unprivileged run): OUT.json BASE SPAWN... [--no-namespace]."""
    out, base, *spawns = argv[1:]
    options: dict[str, object] = {}
    if "--no-namespace" in spawns:
        spawns.remove("--no-namespace")
        options["mount_namespace"] = "off"
    world = make_world(Path(base))
    names = list(attacks(world))
    shutil.rmtree(world.root)
    problems: list[str] = []
    for spawn in spawns:
        problems += check_ordinary_work(Path(base), spawn, **options)
        problems += check_attacks(Path(base), names, spawn, **options)
    Path(out).write_text(json.dumps({"problems": problems, "attacks": len(names), "euid": os.geteuid()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
