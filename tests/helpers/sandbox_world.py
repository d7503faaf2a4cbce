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

import contextlib
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


SECRET = "AWS-SECRET-CANARY-7f3a"


def make_world(base: Path, *, host_config: bool = False) -> World:
    """`host_config`: the home also holds what full-access must still not touch: a global git config
    with an include and a global hooks directory, and a credential store whose file is a symlink to a
    secret kept elsewhere (`~/.aws/credentials -> outside/dotfiles/aws-credentials`)."""
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
    victim = outside / "victim-gitdir"  # a git directory outside, for pointers that lead to it
    (victim / "hooks").mkdir(parents=True)
    (victim / "hooks" / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
    (victim / "config").write_text("[core]\n\tbare = false\n[alias]\n\tst = status\n")
    if host_config:
        (home / ".gitconfig").write_text("[user]\n\tname = Canary\n[include]\n\tpath = .gitconfig-extra\n"
                                         "[core]\n\thooksPath = ~/.githooks\n")
        (outside / "dotfiles").mkdir()
        (outside / "dotfiles" / "gitconfig-extra").write_text("[alias]\n\tst = status\n")
        os.link(outside / "dotfiles" / "gitconfig-extra", home / ".gitconfig-extra")  # a dotfile manager's
        (home / ".githooks").mkdir()
        (home / ".githooks" / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
        (home / ".githooks" / "pre-commit").chmod(0o755)
        (home / ".config" / "git").mkdir(parents=True)
        (home / ".config" / "git" / "ignore").write_text("*.swp\n")
        (outside / "dotfiles" / "aws-credentials").write_text(f"[default]\nkey = {SECRET}\n")
        (home / ".aws").mkdir()
        (home / ".aws" / "credentials").symlink_to(outside / "dotfiles" / "aws-credentials")
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
    (ws / "tools").mkdir()
    (ws / "tools" / "clean.py").write_text("import sys\nsys.stdout.write(sys.stdin.read())\n")
    (ws / ".gitattributes").write_text("*.dat filter=x\n")
    (ws / "data.dat").write_text("data\n")
    with open(ws / ".git" / "config", "a") as f:
        f.write("[core]\n\thooksPath = .husky\n[include]\n\tpath = ../.gitconfig-project\n"
                '[filter "x"]\n\tclean = python3 tools/clean.py\n')
    _git(ws, "add", ".", env=env)
    _git(ws, "commit", "-qm", "first", env=env)
    _git(ws / ".git", "init", "-q", "--bare", "modules/existing", env=env)  # a submodule's git directory
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


def _entry(path: Path, dir_times: bool) -> Entry:
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
    # Outside the workspace a directory's times must not move either; in a git directory they do with
    # every lock file git makes.
    mtime = st.st_mtime_ns if kind != "dir" or dir_times else 0
    return Entry(kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, mtime, digest, xattrs)


def _walk(root: Path, skip_git_state: bool) -> Iterator[Path]:
    yield root
    if root.is_symlink() or not root.is_dir():
        return
    for child in sorted(root.iterdir()):
        in_gitdir = child.parent.name == ".git" or child.parent.parent.name in ("modules", "worktrees")
        if skip_git_state and in_gitdir and child.name in GIT_STATE:
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
            seen[str(path)] = _entry(path, dir_times=world.outside in (path, *path.parents))
    return seen


def differences(before: dict[str, Entry], after: dict[str, Entry]) -> list[str]:
    found = []
    for path in sorted(set(before) | set(after)):
        if before.get(path) != after.get(path):
            found.append(f"{path}: {before.get(path)} -> {after.get(path)}")
    return found


def _make_listable(root: Path) -> None:
    """A person who finds a directory they cannot list (`chmod 0111 hid`) in their own workspace makes it
    listable to look inside; root lists it anyway. Without this, an ordinary user's check would miss a
    repository planted behind it (the core's containment does the same after a command)."""
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            st = directory.lstat()
            mine = st.st_uid == os.geteuid()
            if stat.S_ISDIR(st.st_mode) and mine and not os.access(directory, os.R_OK | os.X_OK):
                directory.chmod(stat.S_IMODE(st.st_mode) | 0o700)
            stack += [c for c in directory.iterdir() if c.is_dir() and not c.is_symlink()]
        except OSError:
            continue


def host_git(world: World) -> list[str]:
    """What the user does next on the host, in every repository; returns what ran that should not."""
    env = {**os.environ, "HOME": str(world.home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    env.pop("GIT_DIR", None)
    _make_listable(world.ws)
    repos = {world.ws}
    for directory, dirs, files in os.walk(world.ws):
        names = [*dirs, *files]
        if ".git" in dirs:
            dirs.remove(".git")
        if any(n.startswith((".git", "HEAD")) for n in names):
            repos.add(Path(directory))
    hung: list[str] = []
    for repo in sorted(repos):
        for args in (["status"], ["diff"], ["log", "-1"], ["commit", "--allow-empty", "-qm", "probe"]):
            try:
                subprocess.run([*GIT, *args], cwd=repo, env=env, capture_output=True, timeout=10, check=False)
            except subprocess.TimeoutExpired:
                hung.append(f"host git {args[0]} hung in {repo}")
                break
    return hung + ([f"host git ran a planted payload ({world.marker})"] if world.marker.exists() else [])


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


def _host_ipc() -> set[str]:
    """The host's SysV IPC objects (keys and ids), as /proc lists them."""
    found: set[str] = set()
    for kind in ("shm", "sem", "msg"):
        try:
            with open(f"/proc/sysvipc/{kind}", encoding="ascii") as f:
                found |= {f"{kind} {' '.join(line.split()[:2])}" for line in list(f)[1:]}
        except OSError:
            continue
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
        # found by the outside review (each is a class; variants of each)
        "symlink_gitdir": f"git init -q evil && printf '{fsmonitor}' >> evil/.git/config && mkdir sub && "
                          "ln -s ../evil/.git sub/.git",
        "bare_dir_with_worktree": "mkdir -p src/b && cp -r .git/objects .git/refs .git/HEAD src/b/ && "
                                  "printf '[core]\\n\\trepositoryformatversion = 0\\n\\tbare = false\\n"
                                  "\\tworktree = ..\\n' > src/b/config && "
                                  f"printf '{fsmonitor}' >> src/b/config",
        "gitfile_through_symlink": f"git init -q eg && printf '{fsmonitor}' >> eg/.git/config && "
                                   f"ln -s . l && "
                                   "mkdir p && printf 'gitdir: ../l/l/eg/.git' > p/.git",
        "gitfile_newline": f"d=$(printf 'ev\\ngit'); git init -q \"$d\" && printf '{fsmonitor}' "
                           f">> \"$d/.git/config\""
                           f" && mkdir p && printf 'gitdir: ../%s/.git\\n' \"$d\" > p/.git",
        "header_line_key": f"git init -q hl && printf '[core] fsmonitor = \"{payload}\"\\n' >> "
                           f"hl/.git/config",
        "config_over_4mb": f"git init -q big && head -c 5000000 /dev/zero | tr '\\0' '#' >> "
                           f"big/.git/config && "
                           f"printf '\\n{fsmonitor}' >> big/.git/config",
        "unlisted_program_keys": f"git init -q uk && printf '[interactive]\\n\\tdiffFilter = {payload}\\n"
                                 f"[core]\\n\\talternateRefsCommand = {payload}\\n' >> uk/.git/config",
        "new_module_gitdir": f"git init -q --bare .git/modules/b && printf '#!/bin/sh\\n{payload}\\n' > "
                             ".git/modules/b/hooks/post-checkout && "
                             "chmod +x .git/modules/b/hooks/post-checkout",
        "commondir_past_the_budget": "mkdir -p evil3 && cp -r .git/objects .git/refs .git/HEAD evil3/ && "
                                     f"printf '{fsmonitor}' > evil3/config && "
                                     f"(echo {ws}/evil3; head -c 34000000 "
                                     "/dev/zero | tr '\\0' '\\n') > .git/commondir",
        "unlistable_directory": f"mkdir -p hid/sub && git init -q hid/sub && printf '{fsmonitor}' >> "
                                "hid/sub/.git/config && chmod 0111 hid",
        "hooks_mode_000": f"git init -q h0 && printf '{fsmonitor}' >> h0/.git/config && chmod "
                          f"000 h0/.git/hooks",
        "interpreter_script": f"printf 'import os\\nos.system(\"{payload}\")\\n' > tools/clean.py && "
                              "touch data.dat",
        "pointer_to_outside": f"ln -s {out}/victim-gitdir l2 && mkdir p2 && printf 'gitdir: ../l2' > p2/.git",
        "pointer_to_own_repo": "mkdir p3 && printf 'gitdir: ../.git' > p3/.git",
        "fifo_named_git": "mkdir f && mkfifo f/.git",
        # carried to the temp dir, edited there, carried back (a cross-mount rename: mv copies and deletes)
        "nested_repo_via_tmp": f"t=\"${{TMPDIR:-/tmp}}/lib-$$\"; mv vendor/lib \"$t\"; "
                               f"printf '{fsmonitor}' >> \"$t/.git/config\"; mv \"$t\" vendor/lib",
        "workspace_via_tmp": f"t=\"${{TMPDIR:-/tmp}}/ws-$$\"; cd .. && mv ws \"$t\"; "
                             f"printf '{fsmonitor}' >> \"$t/.git/config\"; mv \"$t\" ws",
        "other_terminals": "for t in /dev/pts/[0-9]*; do (exec 3<\"$t\") 2>/dev/null && echo "
                           "\"$t\" >> LEAKED; "
                           "done; exit 0",
        "etc_only_root_can_read": "find /etc -type f ! -perm -o+r 2>/dev/null | while read f; do "
                                  "head -c1 \"$f\" >/dev/null 2>&1 && echo \"$f\" >> LEAKED; done; exit 0",
        "sysv_shared_memory": "python3 -c \"import ctypes; libc = ctypes.CDLL(None); "
                              "print(libc.shmget(0x7654321, 4096, 0o1666))\"",
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
        "inherited_fds": "python3 -c \"import os\nfor n in range(3, 1024):\n    try: os.fstat(n)\n"
                         "    except OSError: continue\n    open('LEAKED', 'a').write(f'{n} ')\"",
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


def full_access_attacks(world: World) -> dict[str, str]:
    """name -> script run with sandbox.mode = "full-access": the file system is open, but the user's own
    git configuration (what the host's next `git` reads or runs) and secrets (a credential store's
    symlinked file, by either name) must stay out of reach."""
    home, out, mark = world.home, world.outside, world.marker
    payload = f"touch {mark}"
    fsmonitor = f'[core]\\n\\tfsmonitor = "{payload}"\\n'
    hook = f"#!/bin/sh\\n{payload}\\n"
    secret = f"{out}/dotfiles/aws-credentials"
    return {
        "global_config_append": f"printf '{fsmonitor}' >> {home}/.gitconfig",
        "global_config_rename_over": f"cp {home}/.gitconfig g; printf '{fsmonitor}' >> g; "
                                     f"mv -f g {home}/.gitconfig",
        "global_config_git_command": f"HOME={home} git config --global core.fsmonitor '{payload}'",
        "global_include_append": f"printf '{fsmonitor}' >> {home}/.gitconfig-extra",
        "global_include_hard_link": f"printf '{fsmonitor}' >> {out}/dotfiles/gitconfig-extra",
        "xdg_config_create": f"printf '{fsmonitor}' > {home}/.config/git/config",
        "xdg_dir_swap": f"mv {home}/.config/git {home}/.config/g2; mkdir -p {home}/.config/git && "
                        f"printf '{fsmonitor}' > {home}/.config/git/config",
        "global_hook": f"printf '{hook}' > {home}/.githooks/pre-commit; chmod +x {home}/.githooks/pre-commit",
        "global_hooks_new_hook": f"printf '{hook}' > {home}/.githooks/post-commit; "
                                 f"chmod +x {home}/.githooks/post-commit",
        "global_hooks_swap": f"mv {home}/.githooks {home}/h2; mkdir {home}/.githooks; printf '{hook}' > "
                             f"{home}/.githooks/pre-commit; chmod +x {home}/.githooks/pre-commit",
        "late_global_config": f"(setsid sh -c 'sleep 1.5; printf \"{fsmonitor}\" >> {home}/.gitconfig' &); "
                              "exit 0",
        "store_link_read": f"cat {home}/.aws/credentials >> LEAKED; cat {secret} >> LEAKED; exit 0",
        "store_link_copy_and_link": f"cp {secret} c; ln {secret} hl; ln -s {secret} sl; "
                                    "cat c hl sl >> LEAKED; exit 0",
        "store_link_dir_fd": f"python3 -c \"import os\nd = os.open('{out}/dotfiles', os.O_RDONLY)\n"
                             "fd = os.open('aws-credentials', os.O_RDONLY, dir_fd=d)\n"
                             "open('LEAKED', 'ab').write(os.read(fd, 999))\"",
        "store_link_via_proc_root": f"cat /proc/self/root{secret} >> LEAKED; exit 0",
    }


def host_config(world: World) -> dict[str, Entry]:
    """The user's git configuration and what it names, whole (full-access must change none of it)."""
    home = world.home
    paths = [home / ".gitconfig", home / ".gitconfig-extra", home / ".config" / "git", home / ".githooks",
             home / ".config" / "g2", home / "h2"]
    seen: dict[str, Entry] = {}
    for top in paths:
        for path in [top, *(_walk(top, False) if top.is_dir() else [])]:
            if os.path.lexists(path):
                seen[str(path)] = _entry(path, dir_times=False)
    return seen


def check_full_access(base: Path, names: list[str], spawn: str, **backend_options: object) -> list[str]:
    """Each full-access attack in a fresh world (home = the world's home); then every process gone, the
    host's git configuration unchanged, the host's git running nothing planted, and the secret nowhere
    in the command's output or the workspace."""
    runs: list[tuple[str, World, dict[str, Entry], str]] = []
    problems: list[str] = []
    try:
        for name in names:
            world = make_world(base, host_config=True)
            before = host_config(world)
            runner = run_unconfined if spawn == "none" else run_in_sandbox
            options = {} if spawn == "none" else {"mode": "full-access", **backend_options}
            try:
                _, output = runner(world, full_access_attacks(world)[name], spawn, **options)
            except Exception as exc:  # SandboxDenied: refused, nothing ran (vtcode's code unguardable)
                if type(exc).__name__ != "SandboxDenied":
                    raise
                output = f"refused: {exc}"
            runs.append((name, world, before, output))
        time.sleep(2.0)
        for name, world, before, output in runs:
            found = [f"survivor {pid}" for pid in survivors(world)]
            found += differences(before, host_config(world))
            leaked = [p for p in world.ws.rglob("*") if ".git" not in p.parts and not p.is_symlink()
                      and p.is_file() and SECRET in p.read_text(errors="replace")]
            if SECRET in output or leaked:
                found.append(f"the secret was read ({[str(p) for p in leaked]})")
            found += host_git(world)
            if spawn == "none":
                problems.append(f"{name}: {'broke an invariant' if found else 'no effect'}")
                for pid in survivors(world):
                    with contextlib.suppress(OSError):
                        os.kill(pid, 9)
                continue
            problems += [f"{name} [{spawn}, full-access]: {p}" for p in found]
            if found:
                problems.append(f"  {name} output: {output.strip()[:400]}")
    finally:
        for _, world, *_ in runs:
            shutil.rmtree(world.root, ignore_errors=True)
    return problems


ORDINARY_WORK = (
    "chmod +x build.sh && ./build.sh && git add -A && git -c user.name=a -c user.email=a@a commit -qm w && "
    "git status --short && git stash list && git checkout -q -b topic && git log --oneline -1 && "
    "python3 -c 'import multiprocessing as m; l = m.Lock(); print(\"lock\")' && git -C vendor/lib status -s"
)


def run_unconfined(world: World, script: str, spawn: str) -> tuple[int, str]:
    """The same command with no sandbox at all (spawn "none"): what the suite's checks must catch."""
    # Behind an intermediate shell: an attack that kills its parent kills that shell, not this process.
    done = subprocess.run(["/bin/sh", "-c", '/bin/sh -c "$1"; :', "sh", script], cwd=world.ws,
                          capture_output=True, timeout=60, check=False,
                          env={**os.environ, "HOME": str(world.home)})
    return done.returncode, (done.stdout + done.stderr).decode(errors="replace")


def run_in_sandbox(world: World, script: str, spawn: str, *, mode: str = "workspace-write",
                   **backend_options: object) -> tuple[int, str]:
    """One command through the core's WorkspaceSandbox with the landlock backend on one spawn path (in
    full-access, the backend's home is the world's: what it guards there is the world's)."""
    from vtcode_landlock import launcher
    from vtcode_landlock.backend import LandlockBackend

    from vtcode.config.models import SandboxConfig
    from vtcode.events import EventBus
    from vtcode.sandbox.workspace import WorkspaceSandbox

    bus = EventBus()
    if mode == "full-access":
        backend_options = {"home": str(world.home), **backend_options}
    backend = LandlockBackend(launcher=spawn == "launcher", fork_server=spawn == "fork-server",
                              **backend_options)  # type: ignore[arg-type]
    box = WorkspaceSandbox(backend, SandboxConfig(mode=mode), world.ws, bus)  # type: ignore[arg-type]
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
    ipc_before = _host_ipc()
    problems: list[str] = []
    try:
        for name in names:
            world = make_world(base)
            gitdirs = git_dirs(world.ws)
            before = snapshot(world, gitdirs)
            runner = run_unconfined if spawn == "none" else run_in_sandbox
            _, output = runner(world, attacks(world)[name], spawn, **backend_options)
            runs.append((name, world, gitdirs, before, output))
        time.sleep(2.0)  # anything that would act late (after release) has had its chance
        new_shm = (set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()) - shm_before
        problems += [f"/dev/shm/{n} appeared on the host [{spawn}]" for n in new_shm if "vtcode-world" in n]
        problems += [f"a host IPC object appeared [{spawn}]: {line}" for line in _host_ipc() - ipc_before]
        for name, world, gitdirs, before, output in runs:
            found = [f"survivor {pid}" for pid in survivors(world)]
            found += differences(before, snapshot(world, gitdirs))
            leaked = world.ws / "LEAKED"
            if leaked.exists():
                found.append(f"the command reached what it must not: {leaked.read_text()[:300]!r}")
            for binary in ("sh", "sh2"):
                path = world.ws / binary
                if path.exists() and os.stat(path).st_mode & 0o6000:
                    found.append(f"a set-id binary {binary} was made in the workspace")
            found += host_git(world)
            if spawn == "none":  # what each attack does when nothing stops it: one line per attack
                problems.append(f"{name}: {'broke an invariant' if found else 'no effect'}")
                for pid in survivors(world):  # nothing contained them: clean up after the measurement
                    with contextlib.suppress(OSError):
                        os.kill(pid, 9)
                continue
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
    full = list(full_access_attacks(world))
    for spawn in spawns:
        problems += check_ordinary_work(Path(base), spawn, **options)
        problems += check_attacks(Path(base), names, spawn, **options)
        problems += check_full_access(Path(base), full, spawn, **options)
    Path(out).write_text(json.dumps({"problems": problems, "attacks": len(names), "full_access": len(full),
                                     "euid": os.geteuid()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
