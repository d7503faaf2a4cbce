"""What the generated profile allows and denies, evaluated (helpers/sbpl.py) over a real directory tree.

Each case is (operation, path, expected) as the kernel would check it: paths already resolved, letter
case as an attacker chooses it on a case-insensitive APFS volume. The denials are the invariants the
Linux backend holds (docs/security/sandbox.md); the allowances are the ordinary work the peers'
profiles (Codex, Gemini CLI, sandbox-runtime) let through, each with the reason they give.
"""

from __future__ import annotations

import pytest

from .conftest import World

ALLOW, DENY = True, False

# Writes in workspace-write mode. {ws}: the workspace, {home}, {tmp}: the private temp dir, {other}:
# a neighbouring project, {root}: the file system's root in this tree.
WRITES = [
    # Ordinary work.
    ("file-write-data", "{ws}/src/main.py", ALLOW),
    ("file-write-create", "{ws}/build/out.o", ALLOW),
    ("file-write-unlink", "{ws}/src/main.py", ALLOW),
    ("file-write-mode", "{ws}/run.sh", ALLOW),  # chmod +x inside the workspace
    ("file-write-create", "{tmp}/pytest-1/x", ALLOW),
    ("file-write-data", "{ws}/.gitignore", ALLOW),  # names that start like .git are the user's files
    ("file-write-create", "{ws}/.github/workflows/ci.yml", ALLOW),
    ("file-write-data", "{ws}/.gitmodules", ALLOW),
    ("file-write-data", "{ws}/.gitattributes", ALLOW),
    # git add/commit/checkout/stash/branch/merge/gc in every existing repository.
    ("file-write-create", "{ws}/.git/objects/ab/cdef", ALLOW),
    ("file-write-create", "{ws}/.git/index.lock", ALLOW),
    ("file-write-unlink", "{ws}/.git/index.lock", ALLOW),
    ("file-write-data", "{ws}/.git/index", ALLOW),
    ("file-write-create", "{ws}/.git/refs/heads/main.lock", ALLOW),
    ("file-write-data", "{ws}/.git/logs/HEAD", ALLOW),
    ("file-write-create", "{ws}/.git/HEAD.lock", ALLOW),
    ("file-write-data", "{ws}/.git/ORIG_HEAD", ALLOW),
    ("file-write-data", "{ws}/.git/COMMIT_EDITMSG", ALLOW),
    ("file-write-create", "{ws}/.git/packed-refs.lock", ALLOW),
    ("file-write-create", "{ws}/.git/index.stash.4242", ALLOW),
    ("file-write-create", "{ws}/.git/rebase-merge/done", ALLOW),
    ("file-write-create", "{ws}/vendor/lib/.git/objects/12/34", ALLOW),
    ("file-write-create", "{ws}/.git/modules/libs/m/objects/aa/bb", ALLOW),
    ("file-write-data", "{ws}/.git/worktrees/w/HEAD", ALLOW),
    # Every file that decides what git executes or which config/hooks it reads: read-only.
    ("file-write-data", "{ws}/.git/config", DENY),
    ("file-write-create", "{ws}/.git/config.lock", DENY),
    ("file-write-create", "{ws}/.git/config.worktree", DENY),
    ("file-write-create", "{ws}/.git/commondir", DENY),
    ("file-write-create", "{ws}/.git/gitdir", DENY),
    ("file-write-create", "{ws}/.git/hooks/pre-commit", DENY),
    ("file-write-data", "{ws}/.git/hooks/pre-commit.sample", DENY),
    ("file-write-create", "{ws}/.git/info/attributes", DENY),
    ("file-write-data", "{ws}/.git/info/exclude", DENY),
    ("file-write-create", "{ws}/.git/objects/info/alternates", DENY),
    ("file-write-create", "{ws}/.git/worktrees/w/commondir", DENY),
    ("file-write-data", "{ws}/.git/worktrees/w/gitdir", DENY),
    ("file-write-create", "{ws}/.git/worktrees/evil/commondir", DENY),
    ("file-write-create", "{ws}/.git/modules/libs/m/config", DENY),
    ("file-write-create", "{ws}/.git/modules/libs/m/hooks/post-checkout", DENY),
    ("file-write-create", "{ws}/.git/modules/new/config", DENY),
    ("file-write-mode", "{ws}/.git/hooks/pre-commit.sample", DENY),  # chmod +x of a sample
    ("file-write-xattr", "{ws}/.git/config", DENY),
    # ... in any letter case (APFS is case-insensitive).
    ("file-write-data", "{ws}/.GIT/CONFIG", DENY),
    ("file-write-create", "{ws}/.Git/Hooks/pre-commit", DENY),
    ("file-write-create", "{ws}/.git/HOOKS/post-merge", DENY),
    ("file-write-create", "{ws}/.git/CommonDir", DENY),
    # Nested repositories, and ones made later: every .git entry at any depth.
    ("file-write-data", "{ws}/vendor/lib/.git/config", DENY),
    ("file-write-create", "{ws}/vendor/lib/.git/hooks/pre-commit", DENY),
    ("file-write-create", "{ws}/later/.git", DENY),
    ("file-write-create", "{ws}/later/.git/config", DENY),
    ("file-write-create", "{ws}/a/b/c/d/e/f/g/.GIT/config", DENY),
    # Moving a git dir (or what holds one) away to edit it and back: no unlink of it or its ancestors.
    ("file-write-unlink", "{ws}/.git", DENY),
    ("file-write-create", "{ws}/.git", DENY),
    ("file-write-unlink", "{ws}/.git/hooks", DENY),
    ("file-write-unlink", "{ws}/.git/info", DENY),
    ("file-write-unlink", "{ws}/vendor/lib/.git", DENY),
    ("file-write-unlink", "{ws}/vendor/lib", DENY),  # carrying a nested repository to the temp dir
    ("file-write-unlink", "{ws}/vendor", DENY),
    ("file-write-unlink", "{ws}/src", ALLOW),  # holds no repository
    ("file-write-unlink", "{ws}", DENY),
    # The core's other protected paths, created in any case.
    ("file-write-create", "{ws}/vtcode.toml", DENY),
    ("file-write-create", "{ws}/VTCODE.TOML", DENY),
    ("file-write-create", "{ws}/.vtcode/policy.toml", DENY),
    ("file-write-create", "{ws}/.VTCode/policy.toml", DENY),
    ("file-write-create", "{ws}/.vt-workspace-trust", DENY),
    ("file-write-data", "{ws}/.bashrc", DENY),
    ("file-write-create", "{ws}/.ZSHRC", DENY),
    ("file-write-create", "{ws}/.envrc", DENY),
    # Nothing changes outside the writable roots: content, mode, owner, times, xattrs, links.
    ("file-write-data", "{other}/main.py", DENY),
    ("file-write-create", "{home}/.zshrc", DENY),
    ("file-write-mode", "{home}/.ssh/id_rsa", DENY),
    ("file-write-owner", "{other}/main.py", DENY),
    ("file-write-times", "/usr/local/bin/tool", DENY),
    ("file-write-xattr", "{home}/Documents/a.txt", DENY),
    ("file-write-flags", "{other}/main.py", DENY),
    ("file-write-setugid", "/usr/local/bin/tool", DENY),
    ("file-write-unlink", "{home}/Documents/a.txt", DENY),
    ("file-write-create", "{root}/private/tmp/outside", DENY),  # the shared /tmp is not the private one
    ("file-write-create", "/private/var/folders/xy/abc/C/clang/ModuleCache/x.pcm", DENY),
    ("file-write-create", "/private/var/folders/xy/abc/T/xcrun_db", DENY),
    # Hard links: Seatbelt decides by path, so no second name for anything.
    ("file-link", "{ws}/link-to-config", DENY),
    # chflags uchg on anything: an immutable planted file would defeat the core's restore and quarantine
    ("file-write-flags", "{ws}/src/main.py", DENY),
    ("file-write-flags", "{ws}/.git/hooks/pre-commit", DENY),
    ("file-link", "{ws}/.git/config", DENY),
    # Devices: the process's own streams and terminals, not disks.
    ("file-write-data", "/dev/null", ALLOW),
    ("file-write-data", "/dev/fd/1", ALLOW),
    ("file-write-data", "/dev/stderr", ALLOW),
    # every other terminal of the user: reading one steals what is typed there (the outside review)
    ("file-write-data", "/dev/ttys003", DENY),
    ("file-read-data", "/dev/ttys003", DENY),
    ("file-ioctl", "/dev/ttys003", DENY),
    ("file-write-data", "/dev/tty", ALLOW),
    ("file-write-data", "/dev/ptmx", ALLOW),
    ("file-ioctl", "/dev/ptmx", ALLOW),
    ("file-write-data", "/dev/disk0", DENY),
    ("file-write-mode", "/dev/null", DENY),
]

READS = [
    ("file-read-data", "{ws}/src/main.py", ALLOW),
    ("file-read-data", "{ws}/.git/config", ALLOW),
    ("file-read-data", "/usr/lib/libSystem.B.dylib", ALLOW),
    ("file-map-executable", "/usr/lib/libSystem.B.dylib", ALLOW),
    ("file-map-executable", "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation", ALLOW),
    ("file-map-executable", "{ws}/.venv/lib/python3.12/site-packages/_speedups.so", ALLOW),
    ("file-map-executable", "{tmp}/build/libx.dylib", ALLOW),
    ("file-read-data", "/private/etc/hosts", ALLOW),
    ("file-read-data", "/Applications/Xcode.app/Contents/Developer/usr/bin/xcodebuild", ALLOW),
    ("file-read-data", "/Library/Developer/CommandLineTools/usr/bin/clang", ALLOW),
    ("file-read-data", "/opt/homebrew/bin/node", ALLOW),
    ("file-read-data", "/", ALLOW),  # getcwd, ls /
    ("file-read-metadata", "{home}/Documents", ALLOW),  # stat on any path
    ("file-read-data", "/dev/urandom", ALLOW),
    ("file-read-data", "/dev/fd/0", ALLOW),
    ("file-read-data", "/private/var/select/sh", ALLOW),  # /bin/sh's shim reads which shell to run
    ("file-read-data", "/private/var/run/resolv.conf", ALLOW),
    ("file-read-data", "/private/var/db/xcode_select_link", ALLOW),  # /usr/bin/git's shim finds Xcode
    ("file-read-data", "/private/var/db/sudo/ts/dev", DENY),
    ("file-read-data", "/private/var/run/other", DENY),
    # Toolchains under the home, reached through PATH.
    ("file-read-data", "{home}/.pyenv/versions/3.12.1/bin/python3.12", ALLOW),
    ("file-read-data", "{home}/.rustup/toolchains/stable/bin/rustc", ALLOW),
    ("file-map-executable", "{home}/.rustup/toolchains/stable/lib/librustc_driver.dylib", ALLOW),
    ("file-read-data", "{home}/.cargo/bin/cargo", ALLOW),
    ("file-read-data", "{home}/.nvm/versions/node/v20.11.0/lib/node_modules/npm/index.js", ALLOW),
    ("file-read-data", "{home}/.local/share/uv/python/cpython-3.12/lib/python3.12/os.py", ALLOW),
    ("file-read-data", "{home}/venvs/a/lib/python3.12/site-packages/x.py", ALLOW),
    ("file-read-data", "{home}/bin/tool", ALLOW),  # ~/bin itself, never its parent
    # Not the rest of the home, nor neighbouring projects, nor the shared temp dirs.
    ("file-read-data", "{home}/Documents/taxes.pdf", DENY),
    ("file-read-data", "{home}/.zshrc", DENY),
    ("file-read-data", "{other}/secret.py", DENY),
    ("file-read-data", "{root}/private/tmp/other-user-file", DENY),
    ("file-read-data", "/private/var/folders/xy/abc/T/other-app", DENY),
    ("file-read-data", "/dev/disk0", DENY),
    ("file-read-data", "/dev/rdisk0", DENY),
    # Secrets, under every spelling and letter case, for every read-like operation.
    ("file-read-data", "{home}/.ssh/id_rsa", DENY),
    ("file-read-metadata", "{home}/.ssh/id_rsa", DENY),
    ("file-test-existence", "{home}/.ssh/id_rsa", DENY),
    ("file-read-xattr", "{home}/.ssh/id_rsa", DENY),
    ("file-read-data", "{home}/.SSH/id_rsa", DENY),
    ("file-read-data", "{home}/.aws/credentials", DENY),  # the symlink's own spelling
    ("file-read-data", "{root}/Volumes/keys/aws/credentials", DENY),  # where it really is
    ("file-read-data", "{home}/Library/Keychains/login.keychain-db", DENY),
    ("file-read-data", "{home}/library/keychains/login.keychain-db", DENY),
    ("file-read-data", "{home}/Library/Application Support/vtcode/secrets.toml", DENY),
    ("file-read-data", "{home}/.config/gh/hosts.yml", DENY),
    ("file-read-data", "{home}/.zsh_history", DENY),
    ("file-clone", "{home}/.ssh/id_rsa", DENY),
    ("file-map-executable", "{home}/.ssh/id_rsa", DENY),
    ("file-read-data", "/private/etc/master.passwd", DENY),
    ("file-read-data", "/private/etc/sudoers", DENY),
]

# Non-file operations: ordinary work the peers allow, and what stays closed.
OTHER = [
    # ipc-posix-sem: Python multiprocessing's SemLock (Codex, Gemini, sandbox-runtime).
    ("ipc-posix-sem-open", {"ipc_name": "/mp-abc"}, ALLOW),
    ("ipc-posix-sem-create", {"ipc_name": "/mp-abc"}, ALLOW),
    # POSIX shared memory is the user's shared tmpfs: only cfprefsd's read-only segments.
    ("ipc-posix-shm-read-data", {"ipc_name": "apple.cfprefs.501"}, ALLOW),
    ("ipc-posix-shm-write-data", {"ipc_name": "/psm_abc"}, DENY),
    ("ipc-posix-shm-write-create", {"ipc_name": "/psm_abc"}, DENY),
    ("pseudo-tty", {}, ALLOW),  # openpty (Codex, Gemini, sandbox-runtime)
    ("mach-host-special-port-get", {}, ALLOW),  # Node's os.cpus() (Codex)
    ("user-preference-read", {}, ALLOW),  # CFPreferences (Codex, sandbox-runtime)
    ("process-info-pidinfo", {"same_sandbox": True}, ALLOW),
    ("process-info-pidinfo", {"same_sandbox": False}, DENY),
    ("signal", {"same_sandbox": True}, ALLOW),
    ("signal", {"same_sandbox": False}, DENY),
    ("process-fork", {}, ALLOW),
    ("process-exec", {"path": "/usr/bin/git"}, ALLOW),
    ("sysctl-read", {"sysctl": "hw.ncpu"}, ALLOW),
    ("sysctl-read", {"sysctl": "hw.optional.arm.FEAT_LSE"}, ALLOW),
    ("sysctl-read", {"sysctl": "kern.osproductversion"}, ALLOW),
    ("sysctl-read", {"sysctl": "kern.proc.pid.123"}, ALLOW),
    ("sysctl-read", {"sysctl": "kern.procargs2"}, DENY),  # other processes' arguments and environment
    ("sysctl-write", {"sysctl": "kern.grade_cputype"}, ALLOW),  # Java
    ("sysctl-write", {"sysctl": "kern.maxproc"}, DENY),
    ("mach-lookup", {"global_name": "com.apple.system.opendirectoryd.libinfo"}, ALLOW),  # getpwuid
    ("mach-lookup", {"global_name": "com.apple.bsd.dirhelper"}, ALLOW),  # confstr user dirs (xcrun)
    ("mach-lookup", {"global_name": "com.apple.cfprefsd.daemon"}, ALLOW),
    ("mach-lookup", {"global_name": "com.apple.SystemConfiguration.configd"}, DENY),  # network only
    ("mach-lookup", {"global_name": "com.apple.trustd.agent"}, DENY),
    ("mach-lookup", {"global_name": "com.apple.pasteboard.1"}, DENY),  # the clipboard
    ("mach-lookup", {"global_name": "com.apple.coreservices.launchservicesd"}, DENY),  # `open` an app
    ("appleevent-send", {}, DENY),  # osascript telling another app to run a shell script
    ("mach-priv-task-port", {"same_sandbox": False}, DENY),  # another process's task port
    ("iokit-open", {}, DENY),
    ("job-creation", {}, DENY),  # launchd jobs run outside the sandbox
    ("network-outbound", {"remote_ip": "93.184.216.34:443"}, DENY),
    ("network-outbound", {"remote_ip": "127.0.0.1:1234"}, DENY),  # no local services either
    # No IP socket binds with the network off, loopback included (the outside review's F10).
    ("network-bind", {"local_ip": "*:8080"}, DENY),
    ("network-bind", {"local_ip": "0.0.0.0:8080"}, DENY),
    ("network-bind", {"local_ip": "127.0.0.1:8080"}, DENY),
    ("network-inbound", {"local_ip": "127.0.0.1:8080"}, DENY),
    ("network-bind", {"local_unix": "{home}/agent.sock"}, DENY),  # Unix sockets: the temp dir only
    # ps and pgrep list processes by sysctl (names, owners), not arguments; no sysmond (F9).
    ("sysctl-read", {"sysctl": "kern.proc.all"}, ALLOW),
    ("sysctl-read", {"sysctl": "kern.proc.uid.501"}, ALLOW),
    ("mach-lookup", {"global_name": "com.apple.sysmond"}, DENY),
    ("network-bind", {"local_unix": "{tmp}/mp-1/listener"}, ALLOW),  # multiprocessing.Manager
    ("network-outbound", {"remote_unix": "{tmp}/mp-1/listener"}, ALLOW),
    ("network-outbound", {"remote_unix": "/private/var/run/docker.sock"}, DENY),
    ("network-outbound", {"remote_unix": "{home}/.ssh/agent.sock"}, DENY),
    ("system-socket", {}, DENY),
]

NETWORK_ON = [
    ("network-outbound", {"remote_ip": "93.184.216.34:443"}, ALLOW),
    # Servers on the loopback only, even with the network granted (F10).
    ("network-bind", {"local_ip": "127.0.0.1:8080"}, ALLOW),
    ("network-bind", {"local_ip": "::1:8080"}, ALLOW),
    ("network-inbound", {"local_ip": "127.0.0.1:8080"}, ALLOW),
    ("network-bind", {"local_ip": "0.0.0.0:8080"}, DENY),
    ("network-bind", {"local_ip": "192.168.1.20:8080"}, DENY),
    ("network-inbound", {"local_ip": "192.168.1.20:22"}, DENY),
    ("mach-lookup", {"global_name": "com.apple.sysmond"}, DENY),
    ("system-socket", {}, ALLOW),
    ("mach-lookup", {"global_name": "com.apple.SystemConfiguration.configd"}, ALLOW),  # DNS (Codex)
    ("mach-lookup", {"global_name": "com.apple.SystemConfiguration.DNSConfiguration"}, ALLOW),
    ("mach-lookup", {"global_name": "com.apple.trustd.agent"}, ALLOW),  # TLS (Codex, Gemini)
    ("mach-lookup", {"global_name": "com.apple.ocspd"}, ALLOW),
    ("network-outbound", {"remote_unix": "/private/var/run/mDNSResponder"}, ALLOW),  # getaddrinfo
    ("network-outbound", {"remote_unix": "/private/var/run/docker.sock"}, DENY),  # root on the host
    ("network-outbound", {"remote_unix": "{tmp}/s.sock"}, ALLOW),
    ("mach-lookup", {"global_name": "com.apple.pasteboard.1"}, DENY),
]


def _fill(world: World, text: str) -> str:
    return text.format(ws=world.ws, home=world.home, tmp=world.tmp, other=world.other, root=world.root)


def _ids(cases: list[tuple[str, object, bool]]) -> list[str]:
    return [f"{'allow' if expect else 'deny'}-{op}-{where}" for op, where, expect in cases]


@pytest.mark.parametrize(("op", "path", "expected"), WRITES + READS, ids=_ids(WRITES + READS))
def test_file_access_in_workspace_write_mode(world: World, op: str, path: str, expected: bool) -> None:
    assert world.profile().allows(op, _fill(world, path)) is expected


@pytest.mark.parametrize(("op", "attrs", "expected"), OTHER, ids=_ids(OTHER))
def test_processes_ipc_and_network_off(
    world: World, op: str, attrs: dict[str, object], expected: bool
) -> None:
    filled = {k: _fill(world, v) if isinstance(v, str) else v for k, v in attrs.items()}
    assert world.profile().allows(op, **filled) is expected


@pytest.mark.parametrize(("op", "attrs", "expected"), NETWORK_ON, ids=_ids(NETWORK_ON))
def test_network_when_granted(world: World, op: str, attrs: dict[str, object], expected: bool) -> None:
    filled = {k: _fill(world, v) if isinstance(v, str) else v for k, v in attrs.items()}
    assert world.profile(network=True).allows(op, **filled) is expected


def test_read_only_mode_writes_only_the_temp_dir(world: World) -> None:
    profile = world.profile(mode="read-only")
    assert not profile.allows("file-write-data", f"{world.ws}/src/main.py")
    assert not profile.allows("file-write-create", f"{world.ws}/.git/index.lock")
    assert profile.allows("file-write-create", f"{world.tmp}/x")
    assert profile.allows("file-read-data", f"{world.ws}/src/main.py")
    assert not profile.allows("file-read-data", f"{world.home}/.ssh/id_rsa")


def test_full_access_writes_anywhere_but_keeps_git_dirs_protected_paths_and_secrets(world: World) -> None:
    profile = world.profile(mode="full-access")
    assert profile.allows("file-write-data", f"{world.other}/main.py")
    assert profile.allows("file-read-data", f"{world.home}/Documents/taxes.pdf")
    assert profile.allows("network-outbound", remote_ip="93.184.216.34:443")
    for op, path in [
        ("file-write-data", "{ws}/.git/config"), ("file-write-create", "{ws}/.git/hooks/pre-push"),
        ("file-write-create", "{ws}/vtcode.toml"), ("file-write-unlink", "{ws}/.git"),
        ("file-read-data", "{home}/.ssh/id_rsa"), ("file-write-data", "{home}/.ssh/authorized_keys"),
        ("file-read-data", "{root}/Volumes/keys/aws/credentials"), ("file-link", "{ws}/x"),
    ]:
        assert not profile.allows(op, _fill(world, path)), (op, path)
    assert profile.allows("file-write-create", f"{world.ws}/.git/objects/ab/cd")


GIT_INIT = [
    ("file-write-create", "{ws}/.git", ALLOW),
    ("file-write-create", "{ws}/.git/config.lock", ALLOW),
    ("file-write-create", "{ws}/.git/config", ALLOW),
    ("file-write-create", "{ws}/.git/hooks/pre-commit.sample", ALLOW),
    ("file-write-create", "{ws}/.git/info/exclude", ALLOW),
    ("file-write-create", "{ws}/.git/description", ALLOW),
    ("file-write-create", "{ws}/.git/HEAD", ALLOW),
    ("file-write-create", "{ws}/.git/objects/pack", ALLOW),
    ("file-write-create", "{ws}/.git/refs/heads", ALLOW),
    # Never an alternate place for config or hooks, even in a new repository.
    ("file-write-create", "{ws}/.git/commondir", DENY),
    ("file-write-create", "{ws}/.git/CONFIG.worktree", DENY),
    ("file-write-create", "{ws}/.git/worktrees/x/commondir", DENY),
    ("file-write-create", "{ws}/.git/info/attributes", DENY),
    ("file-write-create", "{ws}/.git/objects/info/alternates", DENY),
    # Repositories below the root are still denied (see docs/decisions/0217).
    ("file-write-create", "{ws}/sub/.git", DENY),
    ("file-write-unlink", "{ws}", DENY),
    ("file-write-create", "{ws}/vtcode.toml", DENY),
]


@pytest.mark.parametrize(("op", "path", "expected"), GIT_INIT, ids=_ids(GIT_INIT))
def test_git_init_at_the_workspace_root(new_world: World, op: str, path: str, expected: bool) -> None:
    assert new_world.profile().allows(op, _fill(new_world, path)) is expected


def test_a_new_repository_is_handed_to_the_core_to_check_and_restore(new_world: World) -> None:
    plan = new_world.plan()
    git_dir = f"{new_world.ws}/.git"
    assert plan.new_root_git
    for watched in ("hooks/", "config", "commondir", "config.worktree", "info/attributes", "worktrees/"):
        assert f"{git_dir}/{watched}" in plan.unprotected


def test_an_existing_repository_leaves_nothing_to_restore(world: World) -> None:
    # With a repository in place, the kernel guards every protected path: nothing is left to restore.
    assert world.plan().unprotected == ()
