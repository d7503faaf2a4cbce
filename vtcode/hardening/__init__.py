"""Process hardening at start-up, before vtcode holds any secret worth stealing.

- No core dumps (RLIMIT_CORE 0): a crash would write API keys and conversation memory to disk.
- Not dumpable (PR_SET_DUMPABLE 0): other processes of the same user cannot ptrace vtcode or read its
  /proc/<pid>/mem and environ; this includes anything the agent itself started outside a sandbox.
- Code-injection variables removed from os.environ, so no child inherits them (LD_PRELOAD,
  LD_LIBRARY_PATH, PYTHONSTARTUP, BASH_ENV...). vtcode's own interpreter already started; these only
  matter for what it spawns, and the sandbox scrubs its children again.
- No pydantic plugins: third-party code pydantic would load from entry points, outside the plugin
  sign-off gate (pydantic_plugins.py).
- umask 077: vtcode's own files (audit logs, approvals, trust key, sessions) are private. Children get the
  user's original umask back (`user_umask`), so files a command writes in the project look as usual.
"""

from __future__ import annotations

import ctypes
import os
import re
import resource
import sys
from dataclasses import dataclass

from .pydantic_plugins import close_pydantic_plugins

PR_SET_DUMPABLE = 4
PRIVATE_UMASK = 0o077
_INJECTION = re.compile(
    r"^(LD_|DYLD_|BASH_FUNC_|GCONV_PATH$|BASH_ENV$|ENV$|PERL5OPT$|PERL5LIB$|RUBYOPT$|NODE_OPTIONS$"
    r"|JAVA_TOOL_OPTIONS$|_JAVA_OPTIONS$|PROMPT_COMMAND$|LOCPATH$|HOSTALIASES$)"
)
_PYTHON_KEEP = frozenset({"PYTHONUNBUFFERED", "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONDONTWRITEBYTECODE"})

_original_umask: int | None = None


@dataclass(frozen=True)
class Hardened:
    core_dumps_off: bool
    not_dumpable: bool
    removed_env: tuple[str, ...]
    umask_before: int
    pydantic_plugins_off: bool


def is_injection_variable(name: str) -> bool:
    """A variable that makes a program load or run code its command line does not show."""
    upper = name.upper()
    if upper.startswith("PYTHON"):
        return upper not in _PYTHON_KEEP
    return bool(_INJECTION.match(upper))


def user_umask() -> int | None:
    """The umask vtcode started with (None before `harden` ran): what children get back."""
    return _original_umask


def _set_not_dumpable() -> bool:
    if sys.platform != "linux":
        return False  # macOS: not dumpable needs PT_DENY_ATTACH, which also blocks debuggers we want
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) == 0


def harden() -> Hardened:
    """Apply every measure to this process; idempotent. Raises nothing: each step reports success."""
    global _original_umask
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        core_off = True
    except (OSError, ValueError):
        core_off = False
    dumpable_off = _set_not_dumpable()
    removed = tuple(sorted(name for name in os.environ if is_injection_variable(name)))
    for name in removed:
        del os.environ[name]
    before = os.umask(PRIVATE_UMASK)
    if _original_umask is None:
        _original_umask = before
    return Hardened(core_off, dumpable_off, removed, _original_umask, close_pydantic_plugins())
