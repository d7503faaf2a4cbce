"""Where vtcode keeps its own files. Environment overrides exist so tests and fleets can relocate them."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

SYSTEM_DIR = Path("/etc/vtcode")


def host_search_path(value: str | None = None) -> str:
    """PATH (or `value`) without its relative entries (`node_modules/.bin`, `.`, an empty one). vtcode
    runs in the workspace, so such an entry names a directory of the repository: a program vtcode runs on
    the host (git for checkpoints, the compiler for the sandbox's launcher) would be the repository's."""
    path = os.environ.get("PATH", os.defpath) if value is None else value
    return os.pathsep.join(entry for entry in path.split(os.pathsep) if os.path.isabs(entry))


def host_program(name: str) -> str | None:
    """The program `name` as vtcode runs it on the host: from PATH's absolute entries only."""
    import shutil

    return shutil.which(name, path=host_search_path())


def _user_dir(env: str, kind: str) -> Path:
    override = os.environ.get(env)
    if override:
        return Path(override).expanduser().resolve()
    import platformdirs  # deferred: only commands that touch user files pay for it

    getter = {
        "config": platformdirs.user_config_dir,
        "cache": platformdirs.user_cache_dir,
        "data": platformdirs.user_data_dir,
    }[kind]
    return Path(getter("vtcode", appauthor=False))


def user_config_dir() -> Path:
    return _user_dir("VTCODE_CONFIG_DIR", "config")


def user_cache_dir() -> Path:
    return _user_dir("VTCODE_CACHE_DIR", "cache")


def user_data_dir() -> Path:
    return _user_dir("VTCODE_DATA_DIR", "data")


def audit_dir(configured: str | None = None) -> Path:
    """Where session audit logs go: `[audit] dir`, else VTCODE_AUDIT_DIR, else <user data dir>/audit.
    The config wins over the environment so that an administrator's (lockable) choice cannot be
    redirected by a variable."""
    if configured:
        return Path(configured).expanduser()
    override = os.environ.get("VTCODE_AUDIT_DIR")
    if override:
        return Path(override).expanduser()
    return user_data_dir() / "audit"


def system_config_file() -> Path:
    return Path(os.environ.get("VTCODE_SYSTEM_CONFIG", SYSTEM_DIR / "vtcode.toml"))


def managed_config_file() -> Path:
    """The enterprise file. The environment may name one only where the system path holds none,
    so a user cannot swap out an administrator's file by setting a variable."""
    system = SYSTEM_DIR / "managed.toml"
    if system.exists():
        return system
    return Path(os.environ.get("VTCODE_MANAGED_CONFIG", system))


def policies_dir() -> Path:
    """Shipped defaults: inside the wheel as vtcode/_policies, in a source checkout as ./policies."""
    here = Path(__file__).resolve().parent
    packaged = here / "_policies"
    return packaged if packaged.is_dir() else here.parent / "policies"


def private_dir(path: Path) -> Path:
    """Create a directory only the user can read (approvals, keys, caches live in these)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


# -- everything vtcode reads code, configuration, caches or state from --------------------------------

_NOTED: set[str] = set()  # state dirs named by configuration ([audit] dir): see note_state_dir
_ENV_KEYS = ("VTCODE_CONFIG_DIR", "VTCODE_CACHE_DIR", "VTCODE_DATA_DIR", "VTCODE_AUDIT_DIR",
             "VTCODE_SYSTEM_CONFIG", "VTCODE_MANAGED_CONFIG", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
             "XDG_DATA_HOME", "HOME", "PYTHONPATH", "PYTHONUSERBASE", "PYTHONPYCACHEPREFIX")


def note_state_dir(path: Path | str) -> None:
    """A state directory the configuration chose (the audit dir): protected like the built-in ones."""
    _NOTED.add(os.path.realpath(path))
    _own_paths.cache_clear()


def note_config_file(path: Path | str) -> None:
    """A configuration file in effect (`--config FILE`, the user's, the system's, the managed one, the
    tool policies): a command that rewrites it would choose the next run's sandbox mode, so it is
    protected like vtcode's own state, wherever it is."""
    real = os.path.realpath(path)
    if real not in _NOTED:
        _NOTED.add(real)
        _own_paths.cache_clear()


def own_paths(workspace: Path | str | None = None) -> tuple[str, ...]:
    """Every place vtcode reads code, configuration, caches or state from, resolved, outermost only.

    Every configuration file in effect (note_config_file); the user's config, data and cache dirs
    (wherever VTCODE_* and XDG_* put them: the trust key, approvals,
    sessions, the bytecode cache, the plugin digest cache, the index, the sandbox launcher), the audit dir,
    the system and managed config files, the interpreter's environment (a virtualenv whole; otherwise its
    stdlib, site-packages and scripts dirs, the user's site too), the directories vtcode's own packages are
    imported from (an editable install's source tree), and the rest of `sys.path`. The jail refuses writes
    to all of them and sandboxed commands get them read-only, wherever the workspace is.

    `sys.path` entries that are the workspace or hold it (`python -m vtcode` run from inside it) are left
    out: protecting them would make the whole workspace read-only (docs/security/model.md says so).
    """
    key = tuple(os.environ.get(k) for k in _ENV_KEYS)
    root = os.path.realpath(workspace) if workspace is not None else None
    return _own_paths(key, tuple(sys.path), tuple(sorted(_NOTED)), root)


def _holds(outer: str, inner: str) -> bool:
    return inner == outer or inner.startswith(outer.rstrip("/") + "/")


@functools.lru_cache(maxsize=32)
def _own_paths(
    _env: tuple[str | None, ...], path: tuple[str, ...], noted: tuple[str, ...], root: str | None
) -> tuple[str, ...]:
    import importlib.util
    import site
    import sysconfig

    state = [user_config_dir(), user_data_dir(), user_cache_dir(), audit_dir(), system_config_file(),
             managed_config_file(), *noted]
    code: list[str] = []
    if sys.prefix != sys.base_prefix:
        code.append(sys.prefix)  # a virtualenv: its pyvenv.cfg, bin/ and site-packages
    names = ("stdlib", "platstdlib", "purelib", "platlib", "scripts")
    code += [p for p in (sysconfig.get_paths().get(n) for n in names) if p]
    code += site.getsitepackages()
    if site.ENABLE_USER_SITE:
        code.append(site.getusersitepackages())
        code.append(sysconfig.get_path("scripts", f"{os.name}_user"))
    if sys.pycache_prefix:
        code.append(sys.pycache_prefix)
    code += _base_installation(root)
    for module in ("vtcode", "vtcode_hookspecs", *_BUILTIN_PLUGINS):
        try:
            spec = importlib.util.find_spec(module)  # top-level: found, not imported
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.submodule_search_locations:
            code += list(spec.submodule_search_locations)
    resolved = {os.path.realpath(str(p)) for p in (*state, *code)}
    path_only = {os.path.realpath(p) for p in path if p and os.path.isabs(p)} - resolved
    if root is not None:  # left out before nesting is reduced, so what they hold is still listed
        path_only = {p for p in path_only if not _holds(p, root)}
    outermost: list[str] = []
    for candidate in sorted(resolved | path_only):  # sorted: a parent comes before what it holds
        if not any(_holds(kept, candidate) for kept in outermost):
            outermost.append(candidate)
    return tuple(outermost)


def _prefixes() -> set[str]:
    return {os.path.realpath(p) for p in (sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix)}


def _executable_hops() -> list[str]:
    """sys.executable and every symlink on the way to the binary (venv/bin/python3 -> python3.11 ->
    ~/.pyenv/versions/3.11.7/bin/python3.11), resolved hop by hop, each as an absolute path."""
    hops: list[str] = []
    current = os.path.abspath(sys.executable) if sys.executable else ""
    for _ in range(40):  # the kernel's own symlink limit
        if not current:
            break
        hops.append(current)
        if not os.path.islink(current):
            break
        try:
            target = os.readlink(current)
        except OSError:
            break
        current = os.path.normpath(os.path.join(os.path.dirname(current), target))
    if sys.executable:
        hops.append(os.path.realpath(sys.executable))
    return hops


def _base_installation(root: str | None) -> list[str]:
    """The interpreter vtcode runs on, whole: the base installation a venv points at (pyenv, uv, conda,
    asdf put it under $HOME, which may be the workspace), the directory of every hop of the executable's
    symlink chain, and the directory libpython is loaded from. A prefix that holds the workspace (a
    system Python at /usr with the workspace below it) is protected by its bin/, lib/ and include/ only."""
    import sysconfig

    found: list[str] = []
    for prefix in _prefixes():
        if root is not None and _holds(prefix, root):
            found += [os.path.join(prefix, part) for part in ("bin", "lib", "lib64", "include")]
        else:
            found.append(prefix)
    found += [os.path.dirname(hop) for hop in _executable_hops()]
    libdir = sysconfig.get_config_var("LIBDIR")
    if isinstance(libdir, str) and libdir:
        found.append(libdir)
        for name in ("LDLIBRARY", "INSTSONAME"):
            lib = sysconfig.get_config_var(name)
            if isinstance(lib, str) and lib:
                found.append(os.path.dirname(os.path.realpath(os.path.join(libdir, lib))))
    found += _mapped_libpython()
    if root is not None:  # never the workspace itself or a directory holding it
        found = [p for p in found if not _holds(os.path.realpath(p), root)]
    return found


def _mapped_libpython() -> list[str]:
    """Directories of the libpython this process actually loaded (a relocated install may differ from
    LIBDIR)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            names = {line.split(None, 5)[-1].strip() for line in maps if "libpython" in line}
    except OSError:
        return []
    return [os.path.dirname(os.path.realpath(n)) for n in names if n.startswith("/")]


_BUILTIN_PLUGINS = (
    "vtcode_fs_tools", "vtcode_scripted_provider", "vtcode_outline_indexer", "vtcode_markdown_store",
    "vtcode_sandbox_none", "vtcode_exec_events", "vtcode_landlock", "vtcode_seatbelt", "vtcode_bash_runner",
    "vtcode_indexer", "vtcode_file_search", "vtcode_openai_compat", "vtcode_lmstudio", "vtcode_litellm",
    "vtcode_otlp",
)
