"""Credential stores: paths whose content is a secret wherever the request comes from.

The policy layer denies these outright (reading them is never a prompt a tired user should see), and the
jail refuses them even inside the workspace, which matters when the workspace is, or contains, a home
directory. Project files that look secret (`.env`, `*.pem` in the repository) are not listed: they are
the user's project, and the agent working on it may need to read them.
"""

from __future__ import annotations

import os

from .expand import real_home
from .names import fold_parts

# Relative to a home directory: the real user's, and also /root and /home/<anyone>, since a root agent
# can read every user's keys through DAC.
HOME_SECRETS: tuple[str, ...] = (
    ".ssh", ".gnupg", ".aws", ".azure", ".kube/config", ".docker/config.json", ".netrc", ".git-credentials",
    ".config/git/credentials", ".pypirc", ".npmrc", ".yarnrc", ".gem/credentials", ".cargo/credentials",
    ".cargo/credentials.toml", ".password-store", ".vault-token", ".terraform.d/credentials.tfrc.json",
    ".config/gh", ".config/gcloud", ".config/hub", ".config/op", ".local/share/keyrings", ".mozilla",
    ".config/google-chrome", ".config/chromium", ".bash_history", ".zsh_history", ".python_history",
    ".psql_history", ".mysql_history",
)

SYSTEM_SECRETS: tuple[str, ...] = (
    "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers", "/etc/sudoers.d",
    "/etc/security/opasswd", "/etc/ssl/private",
)

_HOME = tuple((fold_parts(rel), rel) for rel in HOME_SECRETS)
_SYSTEM = tuple((fold_parts(path), path) for path in SYSTEM_SECRETS)
# /proc/<pid>/environ holds API keys handed to vtcode or its children; mem is the whole address space.
_PROC_SECRETS = frozenset({"environ", "mem"})


# The first component of each: a path whose first component is none of these matches no prefix.
_SYSTEM_HEADS = frozenset(prefix[:1] for prefix, _ in _SYSTEM)
_HOME_HEADS = frozenset(prefix[:1] for prefix, _ in _HOME)


_DEPTH = max(len(prefix) for prefix, _ in _HOME) + 2  # + /home/<user>


def fold_depth(homes: tuple[tuple[str, ...], ...]) -> int:
    """How many leading components `secret_reason` looks at; the rest need no folding."""
    return max(6, _DEPTH, *(len(home) + _DEPTH for home in homes))


def secret_reason(parts: tuple[str, ...], homes: tuple[tuple[str, ...], ...]) -> str | None:
    """Why the absolute path with `parts` (folded up to fold_depth(homes)) is a credential store, or None."""
    if parts[:1] in _SYSTEM_HEADS:  # (every prefix match starts with a matching first component)
        for prefix, shown in _SYSTEM:
            if parts[: len(prefix)] == prefix:
                return f"is a credential store ({shown})"
    if len(parts) == 3 and parts[:2] == ("etc", "ssh") and parts[2].startswith("ssh_host_") \
            and parts[2].endswith("_key"):
        return "is an SSH host private key"
    if parts[:1] == ("proc",) and (
        (len(parts) == 3 and parts[2] in _PROC_SECRETS)
        or (len(parts) == 5 and parts[2] == "task" and parts[4] in _PROC_SECRETS)
    ):
        return f"is a process's {parts[-1]} (it holds the environment's keys and tokens)"
    for rel in _below_homes(parts, homes):
        if rel[:1] not in _HOME_HEADS:
            continue
        for prefix, shown in _HOME:
            if rel[: len(prefix)] == prefix:
                return f"is a credential store (~/{shown})"
    return None


def _below_homes(parts: tuple[str, ...], homes: tuple[tuple[str, ...], ...]) -> list[tuple[str, ...]]:
    found = [parts[len(home) :] for home in homes if parts[: len(home)] == home]
    if parts[:1] == ("root",):
        found.append(parts[1:])
    elif parts[:1] == ("home",) and len(parts) > 2:
        found.append(parts[2:])
    return found


def home_forms(home: str) -> tuple[tuple[str, ...], ...]:
    """Folded parts of `home` as written and as resolved: ~/.ssh must match whichever spelling arrives."""
    forms = {fold_parts(home), fold_parts(os.path.realpath(home))}
    return tuple(form for form in forms if form)


def is_secret_path(resolved: str | os.PathLike[str], *,
                   home: str | os.PathLike[str] | None = None) -> str | None:
    """Why `resolved` (absolute) is a credential store, or None. `home` defaults to the real user's."""

    homes = home_forms(os.fspath(home) if home is not None else real_home())
    return secret_reason(fold_parts(os.fspath(resolved), fold_depth(homes)), homes)
