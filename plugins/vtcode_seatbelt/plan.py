"""What one command's profile must say, worked out from the request and the file system.

Everything that looks at the disk happens here (canonical paths, symlinked secrets, the git dirs the
workspace holds, PATH's toolchains); `profile.build_profile` then only writes rules, so the tests can
run it over real directory trees and over invented ones alike.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from vtcode_hookspecs import SANDBOX_HOME_SECRETS, SandboxMode, SandboxRequest

from vtcode.api import MACOS_SYSTEM_CONFIGS, host_git_paths, linked_from_stores

from .fold import DATA_VOLUME
from .gitdirs import GitDir, GitDirs, find_git_dirs
from .paths import canonical, is_within, spellings
from .toolchains import interpreter_stores, toolchain_roots

# System trees commands read on macOS: binaries, libraries, frameworks, Homebrew (/opt/homebrew on Apple
# silicon, /usr/local on Intel), configuration, time zones, the shell /bin/sh runs (/private/var/select/sh),
# the resolver configuration Node and Go read, and Xcode and its command line tools (xcode-select's link
# is how /usr/bin/git, clang and make find them).
SYSTEM_READ: tuple[str, ...] = (
    "/usr", "/bin", "/sbin", "/System", "/Library", "/opt/homebrew", "/opt/local", "/usr/local",
    "/private/etc", "/private/var/db/timezone", "/private/var/db/dyld", "/private/var/select",
    "/private/var/run/resolv.conf", "/private/var/db/xcode_select_link", "/Applications/Xcode.app",
    "/Applications/Xcode-beta.app", "/Library/Developer/CommandLineTools",
)
# Files in SYSTEM_READ that hold credentials (root-only already; this matters for an agent run as root).
# /Library/Keychains is left readable: in-process TLS code reads the system roots there.
SYSTEM_SECRETS: tuple[str, ...] = (
    "/private/etc/master.passwd", "/private/etc/sudoers", "/private/etc/sudoers.d",
    "/private/etc/ssh/ssh_host_ecdsa_key", "/private/etc/ssh/ssh_host_ed25519_key",
    "/private/etc/ssh/ssh_host_rsa_key",
)


@dataclass(frozen=True)
class ProfilePlan:
    workspace: str  # canonical
    tmp_dir: str  # canonical
    mode: SandboxMode
    network: bool
    home: str  # canonical
    reads: tuple[str, ...]  # canonical subtrees readable (and mappable as code)
    secrets: tuple[str, ...]  # every spelling of every credential store: unreadable, unwritable
    secret_names: tuple[str, ...]  # the same, relative to `home`, also matched in any letter case
    git_dirs: tuple[GitDir, ...]  # existing git dirs inside the workspace
    git_search_complete: bool  # False: the search hit its budget (see gitdirs.GitDirs)
    new_root_git: bool  # the workspace has no .git yet: `git init` there must work
    protected: tuple[str, ...]  # the core's protected paths, as given and resolved ("/" kept for dirs)
    unprotected: tuple[str, ...]  # protected paths the profile leaves writable: the core restores them
    # Two paths: only this profile allows reading the first and it denies the second (see reaper.py).
    markers: tuple[str, str] | None = None
    # The command runs on a PTY vtcode made (shell_session, terminal runs): its ioctls are allowed.
    terminal: bool = False


# A repository created at the workspace root keeps what `git init` writes, but these are checked and
# restored by the core afterwards (a rename can carry any tree into a new .git in one step).
NEW_REPO_WATCHED: tuple[str, ...] = (
    "hooks/", "config", "config.worktree", "commondir", "info/attributes", "worktrees/", "modules/",
)


def _protected_spellings(path: str) -> tuple[str, ...]:
    """A protected path as given and resolved (a symlinked `.vtcode` is guarded as link and target)."""
    suffix = "/" if path.endswith("/") else ""
    return tuple(p + suffix for p in spellings(path.rstrip("/")))


def _linked_from_stores(stores: list[str], *, keep_clear: tuple[str, ...]) -> list[str]:
    """Every spelling of where the symlinks inside each credential store lead (`~/.aws/credentials ->
    ~/dotfiles/aws/credentials`): Seatbelt checks the resolved path, so each target is a secret too
    (vtcode/sandbox/storelinks.py: the bounded, cached walk both backends share)."""
    found: list[str] = []
    for target in linked_from_stores(stores, keep_clear=keep_clear, canonical=canonical):
        found += [s for s in spellings(target) if s not in found]
    return found


def git_program(path_env: str, *, keep_writable: tuple[str, ...]) -> tuple[str, ...]:
    """What the user's own git runs, beside its configuration: the git first on PATH (as found and
    resolved), its exec-path (`libexec/git-core`: every `git-<subcommand>`) and its template dir
    (`share/git-core/templates`, whose hooks `git init` and `git clone` copy into every new repository).
    Homebrew's git, the usual one on a developer's Mac, is owned by the user, so full-access could
    otherwise replace it (the second outside review's N7). Never a directory holding the workspace or
    the home."""
    found = shutil.which("git", path=path_env)
    if found is None or not os.path.isabs(found):
        return ()
    paths = [found]
    real = canonical(found)
    if os.path.basename(os.path.dirname(real)) == "bin":
        prefix = os.path.dirname(os.path.dirname(real))
        paths += [os.path.join(prefix, rel) + "/" for rel in ("libexec/git-core", "share/git-core/templates")
                  if os.path.isdir(os.path.join(prefix, rel))]
    return tuple(p for p in paths if not any(is_within(p.rstrip("/"), keep) for keep in keep_writable))


def plan_for(request: SandboxRequest, *, home: str, tmp_dir: str, markers: tuple[str, str] | None = None
) -> ProfilePlan:
    workspace = canonical(request.workspace)
    home_real = canonical(home)
    secrets: list[str] = []
    for rel in SANDBOX_HOME_SECRETS:
        for base in dict.fromkeys((os.path.normpath(home), home_real)):
            path = os.path.join(base, rel)
            # A missing store has one spelling under each home spelling (resolving it costs a lstat per part).
            secrets += spellings(path) if os.path.lexists(path) else [path]
    for path in SYSTEM_SECRETS:
        secrets += spellings(path)
    secrets += _linked_from_stores(secrets, keep_clear=(workspace, home_real, "/"))
    # The data volume's own spelling of each (/System/Volumes/Data/Users/... is /Users/...: a firmlink).
    secrets += [DATA_VOLUME + p for p in secrets if not is_within("/System", p)]
    read_roots = [canonical(root) for root in request.read_roots]
    toolchains = toolchain_roots(
        request.env.get("PATH", ""), home=home_real, workspace=workspace, system=SYSTEM_READ,
        secrets=tuple(secrets),
    )
    toolchains += interpreter_stores(home=home_real, workspace=workspace, system=SYSTEM_READ,
                                     secrets=tuple(secrets))
    writable = request.mode != "read-only"
    root_git = os.path.join(workspace, ".git")
    new_root_git = writable and not os.path.lexists(root_git)
    found = find_git_dirs(workspace) if writable else GitDirs((), complete=True)
    # The user's own git configuration joins the core's protected paths: read-only in every mode that
    # writes, full-access included (hostgit.py).
    host_git = host_git_paths(home_real, request.env, keep_writable=(workspace, home_real),
                              system_configs=MACOS_SYSTEM_CONFIGS)
    guarded = (*request.protected_paths, *host_git,
               *git_program(request.env.get("PATH", ""), keep_writable=(workspace, home_real)))
    protected = tuple(dict.fromkeys(s for p in guarded for s in _protected_spellings(p)))
    unprotected: list[str] = []
    if new_root_git:
        unprotected += [os.path.join(root_git, rel) for rel in NEW_REPO_WATCHED]
        unprotected += [p for p in protected if is_within(root_git, p.rstrip("/"))]
    return ProfilePlan(
        workspace=workspace,
        tmp_dir=canonical(tmp_dir),
        mode=request.mode,
        network=request.network or request.mode == "full-access",
        home=home_real,
        reads=tuple(dict.fromkeys((*SYSTEM_READ, workspace, *read_roots, *toolchains))),
        secrets=tuple(dict.fromkeys(secrets)),
        secret_names=SANDBOX_HOME_SECRETS,
        git_dirs=found.dirs,
        git_search_complete=found.complete,
        new_root_git=new_root_git,
        protected=protected if writable else (),
        unprotected=tuple(dict.fromkeys(unprotected)),
        markers=markers,
        terminal=request.terminal,
    )
