"""A server's identity: what an approval and the administrator's lists name. Any change is a new identity,
so an approval of one server never covers a changed one.

- stdio: the resolved executable, a sha256 of its bytes, the args and the env *names*;
- a launcher's package (`package = "npm:@scope/x@1.2.3"`): the package and its exact version, with the rest;
- HTTP: the origin (scheme, host, port) and the path.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from vtcode.api import InvariantError

from .config import McpServerConfig
from .transports import resolve_command

CHUNK = 1 << 20


class Identity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str  # "stdio" or "http"
    executable: str | None = None
    executable_sha256: str | None = None
    # An interpreter's script (`node server.js`, `python -m`-less `python server.py`): its path and digest.
    script: str | None = None
    script_sha256: str | None = None
    # Every argument naming a file (absolute, or relative to the workspace): path and sha256. A server's
    # own modules that these load are not covered (docs/mcp.md).
    files: tuple[tuple[str, str], ...] = ()
    # The values of `env` (they can change what runs: NODE_OPTIONS, PYTHONPATH): a digest, never the values.
    env_values_sha256: str | None = None
    args: tuple[str, ...] = ()
    env_names: tuple[str, ...] = ()
    package: str | None = None
    # What the server is granted: part of the identity, so a workspace cannot widen it after approval.
    grants: tuple[str, ...] = ()
    read_roots: tuple[str, ...] = ()
    origin: str | None = None
    path: str | None = None

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    def describe(self) -> str:
        grants = f"; grants: {', '.join(self.grants)}" if self.grants else "; grants: none"
        if self.kind == "http":
            return f"{self.origin}{self.path or ''}{grants}"
        pkg = f" [{self.package}]" if self.package else ""
        env = f"; env: {', '.join(self.env_names)}" if self.env_names else ""
        roots = f"; reads also: {', '.join(self.read_roots)}" if self.read_roots else ""
        return f"{self.executable} {' '.join(map(shown_arg, self.args))}{pkg}{env}{grants}{roots}".strip()


_PLAIN_ARG = re.compile(r"^[A-Za-z0-9_@%+=:,./~^-]+$")


def shown_arg(arg: str) -> str:
    """An argument as a person reads it before approving: quoted (JSON, so a line break is `\\n`) unless it
    is one plain token, so an argument can neither hide where it ends nor draw a line of its own."""
    return arg if _PLAIN_ARG.match(arg) else json.dumps(arg, ensure_ascii=False)


# A file's digest by what identifies its bytes' version (device, inode, size, mtime, ctime): re-checking an
# identity before every spawn (connection.py) costs a stat per file, not a read of a 100 MB interpreter.
_DIGESTS: dict[tuple[int, ...], str] = {}


MAX_FILE_BYTES = 1 << 30  # a file named on a command line, pinned whole: past this it cannot be


def file_sha256(path: str) -> str:
    """The sha256 of a regular file's bytes, read without blocking and no further than its size: a file
    that is not plain data (`/proc/kmsg` never ends, `/proc/kcore` is vast), grows while read or is over
    MAX_FILE_BYTES is an IdentityError (the server does not start), never a hang."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb", buffering=0) as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or path.startswith(("/proc/", "/sys/", "/dev/")):
            raise IdentityError(f"{path}: not a plain file, so it cannot be pinned")
        if info.st_size > MAX_FILE_BYTES:
            raise IdentityError(f"{path}: over {MAX_FILE_BYTES >> 20} MiB, too large to pin")
        key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        known = _DIGESTS.get(key)
        if known is not None:
            return known
        digest = hashlib.sha256()
        left = info.st_size
        while left > 0 and (block := handle.read(min(CHUNK, left))):
            digest.update(block)
            left -= len(block)
        try:
            more = handle.read(1)
        except BlockingIOError:
            more = None
        if left or more:
            raise IdentityError(f"{path}: changed while it was read, or not a plain file")
    if len(_DIGESTS) > 4096:
        _DIGESTS.clear()
    _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


# Launchers that fetch a package by name: the package must carry an exact version, which the identity keeps.
LAUNCHERS = {"npx": "npm", "bunx": "npm", "pnpx": "npm", "uvx": "pypi", "pipx": "pypi"}
INTERPRETERS = ("node", "python", "deno", "bun", "sh", "bash", "dash", "ruby", "perl")
EXACT = {"npm": re.compile(r"^(@[^/@\s]+/)?[^/@\s]+@\d+\.\d+\.\d+[^\s^~*<>=|]*$"),
         "pypi": re.compile(r"^[A-Za-z0-9_.\[\],-]+==[^\s*<>=~!,]+$")}


class IdentityError(OSError):
    """A server whose identity cannot be pinned down does not start."""


def _first_operand(args: list[str]) -> str | None:
    return next((a for a in args if not a.startswith("-")), None)


def launched_package(command: str, args: list[str]) -> str | None:
    """`npx -y @scope/pkg@1.2.3` -> "npm:@scope/pkg@1.2.3"; an unpinned package is an IdentityError."""
    kind = LAUNCHERS.get(Path(command).name)
    if kind is None:
        return None
    operand = _first_operand(args[1:] if Path(command).name == "pipx" and args[:1] == ["run"] else args)
    if operand is None or not EXACT[kind].match(operand):
        raise IdentityError(
            f"{Path(command).name} {operand or ''}: a launched package needs an exact version "
            f"({'@scope/name@1.2.3' if kind == 'npm' else 'name==1.2.3'}); otherwise it could change "
            "under your approval"
        )
    return f"{kind}:{operand}"


MAX_PINNED = 64  # paths a command line names; past it the identity cannot be pinned (never silently skipped)
MAX_TREE_FILES = 2000
MAX_TREE_BYTES = 64 * 1024 * 1024
_ENV_SPLIT = re.compile(r"[\s:=;,]+")


def _named_paths(config: McpServerConfig, executable: str) -> tuple[list[str], list[str]]:
    """What a command line can run that is not the executable: (files, directories of code).

    Files: every argument, every value after `=` in an option (`--require=./boot.js`), and every token of the
    env values (`NODE_OPTIONS=--require ./x.js`, `LD_PRELOAD=./x.so`) that names a file. Directories of code:
    an interpreter's entry operand when it is a directory (`python3 pkg` runs `pkg/__main__.py`) and the
    module of `python -m NAME` (`NAME.py` or the package `NAME/`)."""
    args = [a for a in config.args if "\0" not in a]
    tokens: list[str] = []
    for arg in args:
        tokens.append(arg)
        if arg.startswith("-") and "=" in arg:
            tokens.append(arg.split("=", 1)[1])
    for value in config.env.values():
        tokens += [t for t in _ENV_SPLIT.split(value) if t and "\0" not in t]
    files = [t for t in tokens if not t.startswith("-")]
    trees: list[str] = []
    name = Path(executable).name
    if name.startswith(INTERPRETERS):
        operand = _first_operand(args)
        if operand is not None:
            trees.append(operand)
        if name.startswith("python"):
            for i, arg in enumerate(args):
                module = args[i + 1] if arg == "-m" and i + 1 < len(args) else arg[2:] if (
                    arg.startswith("-m") and len(arg) > 2 and not arg.startswith("--")) else None
                if module:
                    relative = module.replace(".", "/")
                    files.append(relative + ".py")
                    trees.append(relative)
                    trees.append(relative.split("/", 1)[0])
    return files, trees


def _tree_sha256(root: Path) -> str:
    """Every file under `root` (names, bytes, links' targets): a directory of code pinned whole."""
    digest = hashlib.sha256()
    count = size = 0
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        here = Path(folder)
        for name in sorted(dirs):
            if (here / name).is_symlink():
                digest.update(f"L {(here / name).relative_to(root)} -> {os.readlink(here / name)}\n".encode())
        for name in sorted(names):
            path = here / name
            count += 1
            try:
                size += path.stat().st_size
                entry = file_sha256(str(path)) if path.is_file() else "not-a-file"
            except IdentityError:
                raise
            except OSError:
                entry = "unreadable"
            if count > MAX_TREE_FILES or size > MAX_TREE_BYTES:
                raise IdentityError(f"{root}: too large to pin as the server's code "
                                    f"(over {MAX_TREE_FILES} files or {MAX_TREE_BYTES >> 20} MiB)")
            link = f" -> {os.readlink(path)}" if path.is_symlink() else ""
            digest.update(f"F {path.relative_to(root)}{link} {entry}\n".encode())
    return digest.hexdigest()


def _pinned_paths(config: McpServerConfig, executable: str, cwd: Path) -> tuple[tuple[str, str], ...]:
    """Path and sha256 of every file, and every directory of code, that the command line names (relative
    paths from the workspace, where the server runs). More than MAX_PINNED is an IdentityError."""
    files, trees = _named_paths(config, executable)
    found: dict[str, str] = {}
    for token in files:
        path = Path(token) if Path(token).is_absolute() else cwd / token
        try:
            if path.is_file():
                real = str(path.resolve())
                found.setdefault(real, file_sha256(real))
        except IdentityError:
            raise
        except OSError:  # unreadable to you: nor can the server, which runs with less
            continue
    workspace = cwd.resolve()
    for token in trees:
        path = Path(token) if Path(token).is_absolute() else cwd / token
        try:
            tree = path.resolve()
            if path.is_dir() and tree != workspace and not workspace.is_relative_to(tree):
                found.setdefault(f"{tree}/", "tree:" + _tree_sha256(tree))
        except OSError:
            continue
    if len(found) > MAX_PINNED:
        raise IdentityError(f"the command line names over {MAX_PINNED} files: too many to pin")
    return tuple(sorted(found.items()))


def identity_of(config: McpServerConfig, workspace: Path | None = None) -> Identity:
    """Raises OSError when the executable cannot be found or read: such a server does not start.
    `workspace`: where a stdio server runs, against which relative paths in its command line resolve."""
    if config.url is not None:
        parts = urlsplit(config.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        origin = f"{parts.scheme}://{parts.hostname}:{port}"
        # The query is part of what is approved: `?tenant=a` and `?tenant=b` can be different servers.
        where = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return Identity(kind="http", origin=origin, path=where, grants=grants_of(config))
    if config.command is None:  # McpServerConfig guarantees one of url and command
        raise InvariantError("an MCP server with neither url nor command")
    cwd = workspace or Path.cwd()
    executable = str(Path(resolve_command(config.command, cwd)).resolve())
    package = launched_package(config.command, list(config.args)) or config.package
    script = None
    if Path(executable).name.startswith(INTERPRETERS):
        operand = _first_operand(list(config.args))
        if operand is not None:
            path = Path(operand) if Path(operand).is_absolute() else cwd / operand
            if path.is_file():
                script = str(path.resolve())
    env_values = None
    if config.env:
        canonical = json.dumps(config.env, sort_keys=True, separators=(",", ":"))
        env_values = hashlib.sha256(canonical.encode()).hexdigest()
    return Identity(
        kind="stdio",
        executable=executable,
        executable_sha256=file_sha256(executable),
        script=script,
        script_sha256=file_sha256(script) if script else None,
        args=tuple(config.args),
        files=_pinned_paths(config, executable, cwd),
        env_names=tuple(sorted({*config.env, *config.env_pass})),
        env_values_sha256=env_values,
        package=package,
        grants=grants_of(config),
        read_roots=tuple(config.read_roots),
    )


def grants_of(config: McpServerConfig) -> tuple[str, ...]:
    """`write`, `network=full` or `network=<host>,<host>` (sorted: the set is what is granted), and
    `trust_annotations`: a host added to the grant is a new identity, so it needs a new approval."""
    network = config.network
    if network == "full":
        grant = "network=full"
    elif isinstance(network, list) and network:
        grant = "network=" + ",".join(sorted(set(network)))
    else:
        grant = ""
    return tuple(g for g, on in (("write", config.write), (grant, bool(grant)),
                                 ("trust_annotations", config.trust_annotations)) if on)


def own_read_roots(
    config: McpServerConfig, identity: Identity, workspace: Path | None = None
) -> tuple[str, ...]:
    """What a confined stdio server must read besides the workspace and system dirs: its script's package
    (the whole `node_modules` it lives in, or the script's directory), its virtual environment's root, and
    the `read_roots` its config names.

    The implicit ones (all but `read_roots`, which the approval shows) come from resolved paths and never
    reach further than the server's own files: a root that is `/`, holds the home or holds the workspace is
    dropped, whatever path led to it (`/bin/python3`, `~/bin/server`, `./x/../../bin/node`, a script in `~`).
    """
    implicit: list[Path] = []
    if identity.script:
        script = Path(identity.script).resolve()
        parts = script.parts
        if "node_modules" in parts:
            implicit.append(Path(*parts[: parts.index("node_modules") + 1]))
        else:
            implicit.append(script.parent)
    if config.command is not None:
        # The venv the command is in: as named (a venv's bin/python links out of the venv) or where it
        # leads (pipx's and uv's ~/.local/bin/x link into the tool's venv).
        command = Path(resolve_command(config.command, workspace))
        for bin_dir in (command.parent.resolve(), command.resolve().parent):
            if bin_dir.name == "bin" and (bin_dir.parent / "pyvenv.cfg").is_file():
                implicit.append(bin_dir.parent)
    home = Path.home().resolve()
    inside = (workspace or Path.cwd()).resolve()
    roots = [str(r) for r in implicit if not _too_broad(r, home, inside)]
    if identity.script and str(Path(identity.script).resolve().parent) not in roots:
        roots.append(str(Path(identity.script).resolve()))  # its directory is too broad: the script alone
    roots += [str(Path(r).expanduser().resolve()) for r in config.read_roots]
    return tuple(dict.fromkeys(roots))


def _too_broad(root: Path, home: Path, workspace: Path) -> bool:
    """An implicit read root that would open more than a server's own files."""
    return root == Path(root.anchor) or home.is_relative_to(root) or workspace.is_relative_to(root)


def summary(identity: Identity) -> dict[str, Any]:
    return {"digest": identity.digest, **identity.model_dump(mode="json", exclude_none=True)}
