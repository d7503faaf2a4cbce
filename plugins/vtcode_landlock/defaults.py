"""Default path sets: what every confined child reads, the devices it uses, and secrets kept hidden.

These are the kernel layer's safe starting point; the policy layer may narrow or extend them.
"""

from __future__ import annotations

import glob
import os

from vtcode_hookspecs import SANDBOX_HOME_SECRETS

# System trees a toolchain reads (binaries, libraries, /etc config, /proc and /sys for cpu counts and
# cgroup quotas). Missing ones are skipped. /home, /root, /tmp, /var and /run are deliberately absent.
SYSTEM_READ_PATHS: tuple[str, ...] = (
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/nix/store",
    "/proc", "/sys", "/run/systemd/resolve", "/run/resolvconf",
)

# Device nodes read and written with their ioctls (isatty, window size, pty allocation).
DEVICE_PATHS: tuple[str, ...] = (
    "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx",
    "/dev/pts",
)

_HOME_SECRETS = SANDBOX_HOME_SECRETS  # one list for every backend (vtcode_hookspecs)


def system_secret_paths() -> tuple[str, ...]:
    """Files under SYSTEM_READ_PATHS that hold credentials (readable by a root agent through DAC)."""
    fixed = ["/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers", "/etc/sudoers.d",
             "/etc/security/opasswd", "/etc/ssl/private"]
    return (*fixed, *sorted(glob.glob("/etc/ssh/ssh_host_*_key")))


def home_secret_paths(home: str) -> tuple[str, ...]:
    """Credential stores under a home directory, for hiding it when a policy grants the home tree."""
    return tuple(os.path.join(home, rel) for rel in _HOME_SECRETS)
