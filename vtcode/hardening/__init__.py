"""Process hardening at start-up, before vtcode holds any secret worth stealing.

- No core dumps (RLIMIT_CORE 0): a crash would write API keys and conversation memory to disk.
- Not dumpable (PR_SET_DUMPABLE 0): other processes of the same user cannot ptrace vtcode or read its
  /proc/<pid>/mem and environ; this includes anything the agent itself started outside a sandbox.
- Code-injection variables removed from os.environ, so no child inherits them (LD_PRELOAD,
  LD_LIBRARY_PATH, PYTHONSTARTUP, BASH_ENV...). vtcode's own interpreter already started; these only
  matter for what it spawns, and the sandbox scrubs its children again.
- No pydantic plugins: pydantic imports every installed distribution's `pydantic` entry points the first
  time a model class is built. That is third-party code running inside vtcode outside the plugin
  sign-off gate (and a scan of all distributions, ~10 ms of every start), so the list is fixed empty.
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


def _close_pydantic_plugins() -> bool:
    """Fix pydantic's plugin list to empty before any model is built. Its loader keeps the list in a
    module global (`_plugins`, None until first scanned); should a pydantic release move it, the
    documented switch is set instead, which children then inherit too (vtcode's tests catch that)."""
    try:
        from pydantic.plugin import _loader
    except ImportError:  # pragma: no cover - pydantic is a dependency; nothing to close without it
        return False
    if getattr(_loader, "_plugins", ...) is None:
        _loader._plugins = {}
        return True
    if getattr(_loader, "_plugins", ...) == {}:
        return True
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    return False


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
    return Hardened(core_off, dumpable_off, removed, _original_umask, _close_pydantic_plugins())
