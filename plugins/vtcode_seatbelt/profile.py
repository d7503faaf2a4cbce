"""The SBPL (Seatbelt) profile for one command, written from a ProfilePlan.

SBPL's last matching rule wins. The profile is laid out as: deny everything; allow what a process
needs to exist (each rule with the reason a peer profile or a tool needs it); allow reads; allow
writes to the workspace and temp dir; then, later and so winning, the carve-outs: every git dir
read-only except what ordinary git writes, the core's protected paths, no unlink or rename of their
parents, no hard links, and last the secrets, unreadable and unwritable in every mode.

Allows name paths only as `(param "...")` values handed to sandbox-exec with -D (exact, so an allow is
never wider than meant). Denies name each path twice: as the exact parameter, and as a regex matching
every spelling a case- and normalisation-insensitive APFS volume takes for it, on every component
(fold.py). Only components made of plain characters become regex text; any other component is `[^/]+`,
so a path holding `")` cannot add rules, and a deny can only grow wider, never narrower.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from .fold import DATA_VOLUME, anchored, name_regex
from .gitdirs import DENIED_INSIDE, WRITABLE_FILES, WRITABLE_PATTERN, WRITABLE_TREES
from .paths import depth, is_within
from .plan import ProfilePlan

SANDBOX_EXEC = "/usr/bin/sandbox-exec"

# Every file rule names the concrete operations as well as the class. One SBPL generator that tests its
# profiles under the kernel reports that Seatbelt consults rules naming an operation before rules naming
# only its class, whatever their order (so an early `(allow file-read-metadata)` would beat a later
# `(deny file-read* X)`). Naming both in every file rule makes the profile mean the same under that
# reading and under plain "last match wins" (tests/helpers/sbpl.py evaluates both).
WRITE_OPS = (
    "file-write* file-write-acl file-write-create file-write-data file-write-flags file-write-mode "
    "file-write-owner file-write-setugid file-write-times file-write-unlink file-write-xattr"
)
READ_OPS = "file-read* file-read-data file-read-metadata file-read-xattr"
_EXPAND = {"file-write*": WRITE_OPS, "file-read*": READ_OPS}

# sysctls read by libc, Python, Node (os.cpus), Rust, Go and Java at start-up. Not all of sysctl-read:
# kern.procargs2 hands out other processes' arguments and environment (API keys).
_SYSCTL_NAMES = (
    "kern.argmax", "kern.hostname", "kern.maxfiles", "kern.maxfilesperproc", "kern.maxproc", "kern.ngroups",
    "kern.osproductversion", "kern.osrelease", "kern.ostype", "kern.osvariant_status", "kern.osversion",
    "kern.secure_kernel", "kern.usrstack64", "kern.version", "kern.boottime", "kern.bootargs",
    "kern.tcsm_available", "kern.tcsm_enable", "machdep.ptrauth_enabled", "security.mac.lockdown_mode_state",
    "sysctl.proc_cputype", "sysctl.proc_translated", "vm.loadavg", "vm.pagesize",
)
# kern.proc.all/uid/ruid/tty: `ps -ax` and `pgrep` list processes (pid, owner, command name) as
# /proc does on Linux; their arguments (kern.procargs2) stay out of reach.
# net.routetable.: getifaddrs (Node's os.networkInterfaces(), which dev servers call at start; Codex
# allows it for the same reason).
_SYSCTL_PREFIXES = ("hw.", "machdep.cpu.", "kern.proc.pid.", "kern.proc.pgrp.", "kern.proc.all",
                    "kern.proc.uid.", "kern.proc.ruid.", "kern.proc.tty.", "net.routetable.")

# Mach services every command may reach: user and group lookups (getpwuid: `id`, `git`, ssh config
# parsing), logging, notifications, the per-user temp and cache dirs (confstr, used by xcrun and
# clang), preferences (xcrun, clang and other Apple tools read them) and power management (caffeinate
# and Node's os module). Not sysmond (Gemini CLI allows it for pgrep; Codex does not): it reports on
# every process of every user (memory, CPU, arguments) and `ps`/`pgrep` list processes by sysctl.
_MACH_BASE = (
    "com.apple.system.opendirectoryd.libinfo", "com.apple.system.opendirectoryd.membership",
    "com.apple.system.logger", "com.apple.logd", "com.apple.system.notification_center",
    "com.apple.bsd.dirhelper", "com.apple.cfprefsd.daemon", "com.apple.cfprefsd.agent",
    "com.apple.PowerManagement.control",
)
# With network granted: DNS (configd, DNSConfiguration, mDNSResponder), TLS trust evaluation (trustd,
# ocspd, SecurityServer) and the network stack's own daemon.
_MACH_NETWORK = (
    "com.apple.SystemConfiguration.configd", "com.apple.SystemConfiguration.DNSConfiguration",
    "com.apple.mDNSResponder", "com.apple.mDNSResponderHelper", "com.apple.networkd", "com.apple.trustd",
    "com.apple.trustd.agent", "com.apple.ocspd", "com.apple.SecurityServer",
)


@dataclass
class Profile:
    """The profile text and the -D parameters it reads."""

    text: str
    params: dict[str, str] = field(default_factory=dict)

    def sandbox_exec_argv(self, argv: tuple[str, ...]) -> list[str]:
        """`--` ends sandbox-exec's options: a command starting with `-D` or `-p` is still the command."""
        defines = [f"-D{key}={value}" for key, value in sorted(self.params.items())]
        return [SANDBOX_EXEC, "-p", self.text, *defines, "--", *argv]


def below(base: str, rel_regex: str, *, tree: bool = True) -> str:
    """A regex for `rel_regex` directly below `base`, written without `base`'s text: its depth only
    (the rule pairs it with `(subpath base)`). For allows, which must stay exact."""
    # `(/.*)?$`, not `(/|$)`: the form the peers' shipped profiles use, with `$` only at the end.
    return "^" + "/[^/]+" * depth(base) + "/" + rel_regex + ("(/.*)?$" if tree else "$")


class _Builder:
    def __init__(self) -> None:
        self.lines: list[str] = ["(version 1)", "(deny default)"]
        self.params: dict[str, str] = {}
        self._keys: dict[str, str] = {}

    def param(self, value: str) -> str:
        key = self._keys.get(value)
        if key is None:
            key = self._keys[value] = f"P{len(self._keys)}"
            self.params[key] = value
        return f'(param "{key}")'

    def subpath(self, path: str) -> list[str]:
        # literal too: some releases match `subpath` only strictly below, leaving the path itself open.
        return [f"(literal {self.param(path)})", f"(subpath {self.param(path)})"]

    def literal(self, path: str) -> str:
        return f"(literal {self.param(path)})"

    def below(self, base: str, rel_regex: str, *, tree: bool = True) -> str:
        """Exact `base` (a parameter), then `rel_regex`: for allows."""
        return f'(require-all (subpath {self.param(base)}) (regex #"{below(base, rel_regex, tree=tree)}"))'

    def folded(self, base: str, rel_regex: str = "", *, tree: bool = True) -> str:
        """`base` and `rel_regex` in every spelling APFS takes for them (fold.py): for denies. Only plain
        path components become regex text; any other component matches as `[^/]+`."""
        return f'(regex #"{anchored(base, rel_regex, tree=tree)}")'

    def denied(self, path: str, *, tree: bool = True) -> list[str]:
        """A deny's filters for `path`: the exact parameter (whatever it holds) and every spelling."""
        exact = self.subpath(path) if tree else [self.literal(path)]
        return [*exact, self.folded(path, tree=tree)]

    def rule(self, why: str, verdict: str, operations: str, filters: list[str] | None = None) -> None:
        operations = " ".join(_EXPAND.get(op, op) for op in operations.split())
        self.lines.append(f"; {why}")
        if filters is None:
            self.lines.append(f"({verdict} {operations})")
        elif filters:
            self.lines.append(f"({verdict} {operations}\n    " + "\n    ".join(filters) + ")")
        else:
            self.lines.pop()


def build_profile(plan: ProfilePlan) -> Profile:
    b = _Builder()
    _processes(b, plan)
    _devices(b)
    if plan.terminal:
        b.rule("the PTY vtcode made for this command (shell_session, terminal runs) is its fds 0-2, opened "
               "before the profile applied: their ioctls (isatty, raw mode, window size; Codex, Gemini CLI "
               "and sandbox-runtime found them denied otherwise). An ioctl needs a descriptor already held, "
               "so no other terminal is reached, and the command's controlling terminal is vtcode's PTY, so "
               "TIOCSTI types only into the command itself. Not for pipe runs, whose descriptors may be the "
               "user's own terminal", "allow", "file-ioctl", ['(regex #"^/dev/ttys[0-9]+$")'])
    full = plan.mode == "full-access"
    if full:
        b.rule("full-access: read everything (secrets are denied below)", "allow",
               "file-read* file-map-executable")
    else:
        b.rule("reads: system trees, the workspace, read_roots, PATH's toolchains (and load code from them)",
               "allow", "file-read* file-map-executable", [f for p in plan.reads for f in b.subpath(p)])
    if not full:
        b.rule("the data volume's spelling of every path (/System/Volumes/Data/Users/... is /Users/..., "
               "and /System is readable): only for what is granted under its usual spelling", "deny",
               "file-read* file-map-executable", b.subpath(DATA_VOLUME))
        b.rule("(the grants above, under that spelling)", "allow", "file-read* file-map-executable",
               [f for p in plan.reads if not is_within("/System", p) for f in b.subpath(DATA_VOLUME + p)])
    b.rule("the private temp dir (HOME and TMPDIR): read, write, load code", "allow",
           "file-read* file-write* file-map-executable", b.subpath(plan.tmp_dir))
    if full:
        b.rule("full-access: write everything (git dirs, protected paths and secrets are denied below)",
               "allow", "file-write*")
    elif plan.mode == "workspace-write":
        b.rule("workspace-write: the workspace", "allow", "file-write*", b.subpath(plan.workspace))
    _network(b, plan)
    if plan.mode != "read-only":
        _git(b, plan)
        _protected(b, plan)
    b.rule("no hard links: Seatbelt decides by path, and a second name for a protected or secret file "
           "would be a path no deny names", "deny", "file-link")
    b.rule("no BSD file flags (chflags uchg/uappnd) and no ACLs (chmod +a \"everyone deny delete\"): an "
           "immutable or undeletable file or directory would make the core's restore and quarantine fail and "
           "leave a planted hook in place; no set-uid or set-gid bits anywhere (Linux: seccomp), which run "
           "as root would be a root shell for every local user", "deny",
           "file-write-flags file-write-acl file-write-setugid")
    secrets = [f for p in plan.secrets for f in b.denied(p)]
    secrets += [b.folded(plan.home, name_regex(rel)) for rel in plan.secret_names]
    b.rule("secrets: unreadable and unwritable in every mode, under every spelling and letter case",
           "deny", "file-read* file-write* file-map-executable file-clone file-test-existence", secrets)
    if plan.markers:
        b.rule("and a path it denies, whatever else it allows (full-access reads everything)", "deny",
               "file-read-data", [b.literal(plan.markers[1])])
    return Profile("\n".join(b.lines) + "\n", b.params)


def _processes(b: _Builder, plan: ProfilePlan) -> None:
    b.rule("children inherit the profile", "allow", "process-fork")
    b.rule("run programs (the profile still applies to them)", "allow", "process-exec")
    b.rule("signals within the sandbox only", "allow", "signal", ["(target same-sandbox)"])
    b.rule("ps and the libraries that inspect their own children: within the sandbox only", "allow",
           "process-info*", ["(target same-sandbox)"])
    b.rule("host_processor_info: Node's os.cpus() and thread-pool sizing", "allow", "mach-host*")
    b.rule("hardware and OS facts runtimes read at start-up", "allow", "sysctl-read",
           [f'(sysctl-name "{n}")' for n in _SYSCTL_NAMES]
           + [f'(sysctl-name-prefix "{p}")' for p in _SYSCTL_PREFIXES])
    b.rule("Java reads its CPU type through a sysctl write", "allow", "sysctl-write",
           ['(sysctl-name "kern.grade_cputype")'])
    b.rule("named semaphores: Python multiprocessing's SemLock (POSIX shared memory stays denied: it is "
           "shared with every process of the user, like /dev/shm on Linux)", "allow", "ipc-posix-sem")
    b.rule("read-only preferences: CFPreferences, used by xcrun, clang and Apple's tools", "allow",
           "user-preference-read")
    b.rule("preferences arrive through cfprefsd's read-only shared memory", "allow",
           "ipc-posix-shm-read-data", ['(ipc-posix-name-prefix "apple.cfprefs.")'])
    b.rule("system services every command may need (see _MACH_BASE)", "allow", "mach-lookup",
           [f'(global-name "{n}")' for n in _MACH_BASE])
    b.rule("openpty: terminals and the shell_session tool", "allow", "pseudo-tty")


def _devices(b: _Builder) -> None:
    b.rule("stat anything (shells, git and build tools probe parents); listing and reading stay confined",
           "allow", "file-read-metadata file-test-existence")
    b.rule("getcwd and `ls /` read the root directory", "allow", "file-read*", ['(literal "/")'])
    b.rule("null and zero devices", "allow", "file-read-data file-write-data",
           ['(literal "/dev/null")', '(literal "/dev/zero")'])
    b.rule("randomness; autofs_nowait (opened by getattrlist callers to avoid automounts)", "allow",
           "file-read-data", ['(literal "/dev/random")', '(literal "/dev/urandom")',
                              '(literal "/dev/autofs_nowait")'])
    # Not /dev/ttysNNN: those are every terminal the user has open (a command could read what is typed in
    # another tab, or write a fake prompt into it). The command's own terminal reaches it as fds 0-2 and
    # /dev/tty; it cannot open new pseudo-terminals by name (as on Linux, where /dev/pts is not granted).
    b.rule("terminals: the controlling tty and the pty multiplexer, with their ioctls", "allow",
           "file-read-data file-write-data file-ioctl", ['(literal "/dev/tty")', '(literal "/dev/ptmx")'])
    b.rule("a PTY the command makes itself (openpty opens the new slave by name): only slaves carrying the "
           "extension pseudo-tty issues to their maker (as Codex), never another terminal of the user",
           "allow", "file-read-data file-write-data file-ioctl",
           ['(require-all (regex #"^/dev/ttys[0-9]+$") (extension "com.apple.sandbox.pty"))'])
    b.rule("the process's own descriptors by name (/dev/stdout, /dev/fd/1, bash's <(...)): opening one "
           "duplicates a descriptor it already holds", "allow", "file-read-data file-write-data",
           ['(regex #"^/dev/fd/[0-9]+$")', '(literal "/dev/stdin")', '(literal "/dev/stdout")',
            '(literal "/dev/stderr")'])
    b.rule("dyld's dtrace helper (probes in Node and Python builds)", "allow",
           "file-read-data file-write-data file-ioctl", ['(literal "/dev/dtracehelper")'])


def _network(b: _Builder, plan: ProfilePlan) -> None:
    if plan.network:
        b.rule("network granted (sandbox.network or full-access): connections out", "allow",
               "network-outbound")
        b.rule("servers listen on the loopback only, as sandbox-runtime's local binding: granting the "
               "network means reaching out, not serving the LAN", "allow", "network-bind network-inbound",
               ['(local ip "localhost:*")'])
        b.rule("network granted: sockets of the network stack (routing, interface queries)", "allow",
               "system-socket")
        b.rule("network granted: DNS and TLS trust evaluation (see _MACH_NETWORK)", "allow", "mach-lookup",
               [f'(global-name "{n}")' for n in _MACH_NETWORK])
        b.rule("but no Unix socket of the host: Docker's is root on the host, ssh-agent's signs as the user",
               "deny", "network-outbound", ["(remote unix-socket)"])
        b.rule("except mDNSResponder's, which getaddrinfo uses for DNS", "allow", "network-outbound",
               ['(remote unix-socket (literal "/private/var/run/mDNSResponder"))'])
    # With the network off, no IP socket binds, loopback included (as on Linux, where the command has no
    # network at all): the only rule naming network-bind is this one, for Unix sockets.
    why = "Unix sockets in the private temp dir (multiprocessing managers, test servers)"
    b.rule(why, "allow", "network-bind", [f"(local unix-socket (subpath {b.param(plan.tmp_dir)}))"])
    b.rule(why, "allow", "network-outbound", [f"(remote unix-socket (subpath {b.param(plan.tmp_dir)}))"])
    if plan.markers:
        b.rule("a path only this command's profile allows: how release() finds its processes "
               "(sandbox_check), daemons included", "allow", "file-read-data", [b.literal(plan.markers[0])])


def _git_write_set(b: _Builder, git_dir: str) -> str:
    """What ordinary git writes in `git_dir`, as one filter: the trees, the files with their `.lock`s,
    and the temporary and split indexes (git stash's index.stash.<pid>, `git commit <paths>`'s
    next-index-<pid>.lock, split-index sharedindex.<hash>) and git's temporary files, as on Linux.
    One regex per repository, not one parameter per file: a workspace holding many repositories must
    still fit sandbox-exec's argv (macOS's kern.argmax is 1 MiB, environment included)."""
    trees = "|".join(_exact(tree) for tree in WRITABLE_TREES)
    files = "|".join(_exact(name) for name in WRITABLE_FILES)
    return b.below(git_dir, f"(({trees})(/.*)?|({files})(\\.lock)?|{WRITABLE_PATTERN})", tree=False)


def _exact(name: str) -> str:
    """A fixed name as regex text, matching only itself (names of letters, digits, `.`, `_`, `-`)."""
    if not all(c.isascii() and (c.isalnum() or c in "._-") for c in name):
        raise ValueError(f"{name!r} cannot be written as a Seatbelt regex")
    return name.replace(".", "\\.")


def _git(b: _Builder, plan: ProfilePlan) -> None:
    ws = plan.workspace
    b.rule("every .git entry at any depth of the workspace, in any letter case: read-only (nested "
           "repositories and ones made later count; renaming a .git away is an unlink of it)", "deny",
           "file-write*", [b.folded(ws, r"(.*/)?" + name_regex(".git"))])
    if not plan.git_search_complete:
        b.rule("the search for git dirs stopped at its budget: a repository it missed could be carried to "
               "the temp dir and edited there, so .git entries are read-only there too", "deny",
               "file-write*", [b.folded(plan.tmp_dir, r"(.*/)?" + name_regex(".git"))])
    others = [g.path for g in plan.git_dirs if not g.named_git]
    b.rule("git dirs reached by another name (a .git symlink or gitdir file, modules/, worktrees/): "
           "read-only", "deny", "file-write*", [f for p in others for f in b.denied(p)])
    b.rule("what ordinary git writes in each existing git dir: objects, refs, logs, the index, HEAD and "
           "state files (config, hooks, info/, commondir, worktrees/ and modules/ stay read-only)",
           "allow", "file-write*", [_git_write_set(b, g.path) for g in plan.git_dirs])
    if plan.new_root_git:
        root_git = os.path.join(ws, ".git")
        b.rule("no repository at the workspace root yet: `git init` may make one (its config and hooks "
               "are checked and restored by the core afterwards)", "allow", "file-write*",
               b.subpath(root_git))
        b.rule("a new repository still gets no alternate config or hooks location", "deny", "file-write*",
               [b.folded(root_git, name_regex(name)) for name in ("commondir", "config.worktree", "worktrees",
                                                           "modules", "info/attributes", "gitdir")])
    git_dirs = [g.path for g in plan.git_dirs] + ([os.path.join(ws, ".git")] if plan.new_root_git else [])
    inside = [b.folded(g, _any_of(DENIED_INSIDE)) for g in git_dirs]
    b.rule("object alternates point git at another object store: never written by ordinary work, in no "
           "letter case or Unicode spelling (`objects/info/Alternates` is the same file on APFS)", "deny",
           "file-write*", inside)


_WRITABLE_TOP = re.compile(
    "(" + "|".join(re.escape(n) for n in WRITABLE_TREES)
    + "|(" + "|".join(re.escape(n) for n in WRITABLE_FILES) + r")(\.lock)?|" + WRITABLE_PATTERN + ")"
)


def _held_by_git_rules(plan: ProfilePlan, path: str) -> bool:
    """True for a path strictly inside an existing git dir whose first component the write set does not
    re-allow: the git-dir deny (a folded regex for `.git` entries, exact and folded for the others)
    already denies it, so naming it again would only grow the profile (one full folded regex per git
    control file, per repository)."""
    for g in sorted(plan.git_dirs, key=lambda g: len(g.path), reverse=True):  # the innermost git dir
        if path != g.path and is_within(g.path, path):
            top = os.path.relpath(path, g.path).split("/")[0]
            return not _WRITABLE_TOP.fullmatch(top)
    return False


def _any_of(names: tuple[str, ...]) -> str:
    """Fixed relative paths in every spelling, as one alternation."""
    return "(" + "|".join(name_regex(name) for name in names) + ")"


def _protected(b: _Builder, plan: ProfilePlan) -> None:
    ws = plan.workspace
    root_git = os.path.join(ws, ".git")
    filters: list[str] = []
    guarded: list[str] = []
    for entry in plan.protected:
        path = entry.rstrip("/")
        if plan.new_root_git and is_within(root_git, path):
            continue  # made by `git init`: left to the core's restore (plan.unprotected)
        if _held_by_git_rules(plan, path):
            continue  # a git control file: the git-dir deny above already holds it, in every spelling
        guarded.append(path)
        filters += b.denied(path)
    b.rule("the core's protected paths (trust marker, vtcode.toml, .vtcode/, shell rc files, git "
           "control files): read-only, created under no spelling (letter case and Unicode folding of "
           "every component, ancestors included)", "deny", "file-write*", filters)
    # A path is also changed by renaming a directory above it away and back: no unlink (rename's source
    # check) of any ancestor, from the protected path up to the workspace and above.
    ancestors: list[str] = []
    # Every git dir counts, nested ones included: `mv vendor/lib $TMPDIR/lib`, edit its .git/config in
    # the temp dir (no .git rule there), and `mv` it back would otherwise plant the config.
    for path in [*guarded, *(g.path for g in plan.git_dirs), os.path.join(ws, ".git")]:
        parent = os.path.dirname(path)
        while parent != "/" and parent not in ancestors:
            ancestors.append(parent)
            parent = os.path.dirname(parent)
    filters = [f for p in ancestors for f in b.denied(p, tree=False)]
    # The same for what is denied inside a writable tree of an existing git dir: `objects/info/alternates`
    # lies in `objects/`, which git writes, so `mv .git/objects $TMPDIR/o`, a new `o/info/alternates` and
    # a move back (or a symlink named `objects`) would plant it. Git never renames or recreates these
    # directories; a repository missing `objects/info` cannot get one inside the sandbox (the cost).
    parents = tuple(dict.fromkeys(os.path.dirname(rel) for rel in DENIED_INSIDE))
    above = tuple(dict.fromkeys(os.path.dirname(p) for p in parents if os.path.dirname(p))) + parents
    filters += [b.folded(g.path, _any_of(above), tree=False) for g in plan.git_dirs]
    b.rule("no unlink or rename of a protected path's ancestors (`mv .git g; edit; mv g .git` and the "
           "same one level up), and none made by a rename (`mv $TMPDIR/git ~/.config/git`), under every "
           "spelling", "deny", "file-write-unlink file-write-create", filters)
