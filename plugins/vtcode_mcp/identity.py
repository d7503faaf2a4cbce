"""A server's identity: what an approval and the administrator's lists name. Any change is a new identity,
so an approval of one server never covers a changed one.

- stdio: the resolved executable, a sha256 of its bytes, the args and the env *names*;
- a launcher's package (`package = "npm:@scope/x@1.2.3"`): the package and its exact version, with the rest;
- HTTP: the origin (scheme, host, port) and the path.
"""

from __future__ import annotations

import hashlib
import json
import re
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
        return f"{self.executable} {' '.join(self.args)}{pkg}{env}{grants}{roots}".strip()


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


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


MAX_FILE_ARGS = 16


def _file_args(args: list[str], cwd: Path) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for arg in args:
        if arg.startswith("-") or "\0" in arg or len(found) >= MAX_FILE_ARGS:
            continue
        path = Path(arg) if Path(arg).is_absolute() else cwd / arg
        try:
            if path.is_file():
                real = str(path.resolve())
                found.append((real, file_sha256(real)))
        except OSError:
            continue
    return tuple(found)


def identity_of(config: McpServerConfig, workspace: Path | None = None) -> Identity:
    """Raises OSError when the executable cannot be found or read: such a server does not start.
    `workspace`: where a stdio server runs, against which relative paths in its command line resolve."""
    if config.url is not None:
        parts = urlsplit(config.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        origin = f"{parts.scheme}://{parts.hostname}:{port}"
        return Identity(kind="http", origin=origin, path=parts.path or "/", grants=grants_of(config))
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
        files=_file_args(list(config.args), cwd),
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
    (the whole `node_modules` it lives in, or the script's directory), its interpreter's installation (a
    virtual environment's root), and the `read_roots` its config names."""
    roots: list[str] = []
    if identity.script:
        parts = Path(identity.script).parts
        if "node_modules" in parts:
            roots.append(str(Path(*parts[: parts.index("node_modules") + 1])))
        else:
            roots.append(str(Path(identity.script).parent))
    if config.command is not None:
        command = Path(resolve_command(config.command, workspace))
        if command.parent.name == "bin":
            roots.append(str(command.parent.parent))
    roots += [str(Path(r).expanduser().resolve()) for r in config.read_roots]
    return tuple(dict.fromkeys(roots))


def summary(identity: Identity) -> dict[str, Any]:
    return {"digest": identity.digest, **identity.model_dump(mode="json", exclude_none=True)}
