"""Default path sets: what every confined child reads, the devices it uses, and secrets kept hidden.

These are the kernel layer's safe starting point; the policy layer may narrow or extend them.
"""

from __future__ import annotations

import functools
import glob
import os
import stat

from vtcode_hookspecs import SANDBOX_HOME_SECRETS

# System trees a toolchain reads (binaries, libraries, /etc config, /proc and /sys for cpu counts and
# cgroup quotas). Missing ones are skipped. /home, /root, /tmp, /var and /run are deliberately absent.
SYSTEM_READ_PATHS: tuple[str, ...] = (
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/nix/store",
    "/proc", "/sys", "/run/systemd/resolve", "/run/resolvconf",
)

# Device nodes read and written with their ioctls (isatty, window size, pty allocation).
# /dev/pts is not granted: every terminal of the user lives there (a command could read what is typed in
# another one, or type into it). A command still has its own terminal as fds 0-2 and through /dev/tty.
DEVICE_PATHS: tuple[str, ...] = (
    "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx",
)

_HOME_SECRETS = SANDBOX_HOME_SECRETS  # one list for every backend (vtcode_hookspecs)


def system_secret_paths() -> tuple[str, ...]:
    """Files under SYSTEM_READ_PATHS that hold credentials (readable by a root agent through DAC): the
    known ones, and for a root agent every file or directory under /etc an ordinary user could not read
    (a VPN key, a network password, a keytab: the rule, not a list)."""
    fixed = ["/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers", "/etc/sudoers.d",
             "/etc/security/opasswd", "/etc/ssl/private"]
    extra = _unreadable_by_others("/etc") if os.geteuid() == 0 else ()
    return tuple(dict.fromkeys((*fixed, *sorted(glob.glob("/etc/ssh/ssh_host_*_key")), *extra)))


@functools.cache
def _unreadable_by_others(root: str, limit: int = 20_000) -> tuple[str, ...]:
    found: list[str] = []
    seen = 0
    for directory, dirs, files in os.walk(root):
        kept = []
        for name in dirs:
            path = os.path.join(directory, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue
            if stat.S_ISDIR(mode) and (mode & 0o005) != 0o005:
                found.append(path)  # hidden whole: not walked
            else:
                kept.append(name)
        dirs[:] = kept
        for name in files:
            seen += 1
            path = os.path.join(directory, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue
            if stat.S_ISREG(mode) and not mode & stat.S_IROTH:
                found.append(path)
        if seen > limit:
            break
    return tuple(found)


def home_secret_paths(home: str) -> tuple[str, ...]:
    """Credential stores under a home directory, for hiding it when a policy grants the home tree."""
    return tuple(os.path.join(home, rel) for rel in _HOME_SECRETS)
