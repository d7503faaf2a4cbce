"""`approvals.mode = "auto"`: a prompt becomes an allow when the kernel sandbox confines every effect the
action can have and a checkpoint makes it undoable. Everything else still asks.

What auto needs, all of it, or the prompt stays a prompt (fail closed):
- the sandbox *verified* for this session: a probe command run under it at the first auto decision, whose
  effects are checked from outside (a write outside the workspace, a write into vtcode's own state (the
  checkpoint store), a connection to a listener on 127.0.0.1: none may happen), and whose enforcement
  report names every guard (`REQUIRED`);
- sandbox.mode = "workspace-write", sandbox.network.mode = "off", no unsandboxed fallback;
- checkpoints on (undo is what makes not asking safe);
- for a command: the parser understood all of it; no program that needs the network (`NETWORK`); every
  path word and redirection target inside the workspace and not protected;
- for a tool: the write class (never execute or network), every path inside the workspace;
- the tool's `prompt` is not pinned by a user, managed or command-line rule (only the shipped defaults
  may be relaxed).
A denial is never touched; a managed `approvals.allow_auto = false` turns the mode into on-request.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vtcode_hookspecs import ActionRequest, CommandSandbox, RiskClass

from .shell import ParseResult

REQUIRED = ("fs:workspace-write", "network:off", "seccomp", "no_new_privs")

# Programs whose purpose is the network: asked even though the sandbox would cut them off, so that a
# person sees a fetch or a push rather than the agent learning by failure.
NETWORK = frozenset({
    "curl", "wget", "ssh", "scp", "sftp", "rsync", "nc", "ncat", "netcat", "socat", "telnet", "ftp",
    "ping", "dig", "nslookup", "host", "http", "httpie", "aria2c", "gh", "docker", "podman", "kubectl",
})
# Subcommands that reach a remote: `git push`, `pip install`, `npm install`, `cargo fetch`...
NETWORK_SUBCOMMANDS = {
    "git": frozenset({"push", "pull", "fetch", "clone", "ls-remote", "submodule", "remote", "send-email"}),
    "pip": frozenset({"install", "download", "index", "search"}),
    "pip3": frozenset({"install", "download", "index", "search"}),
    "npm": frozenset({"install", "i", "ci", "add", "publish", "update", "exec", "x"}),
    "npx": frozenset(),
    "pnpm": frozenset({"install", "i", "add", "publish", "update", "dlx"}),
    "yarn": frozenset({"install", "add", "publish", "upgrade", "dlx"}),
    "cargo": frozenset({"install", "fetch", "publish", "update", "search", "add"}),
    "go": frozenset({"get", "install", "mod"}),
    "apt": frozenset({"install", "update", "upgrade"}),
    "apt-get": frozenset({"install", "update", "upgrade"}),
    "uv": frozenset({"pip", "add", "sync", "lock", "tool"}),
    "poetry": frozenset({"install", "add", "update", "publish", "lock"}),
}


@dataclass(frozen=True)
class SandboxCheck:
    ok: bool
    reason: str
    enforced: tuple[str, ...] = ()


def needs_network(argv: tuple[str, ...]) -> bool:
    if not argv:
        return False
    name = os.path.basename(argv[0])
    if name in NETWORK:
        return True
    if name in ("python", "python3") and len(argv) > 2 and argv[1] == "-m" and argv[2] == "pip":
        return needs_network(("pip", *argv[3:]))
    subcommands = NETWORK_SUBCOMMANDS.get(name)
    if subcommands is None:
        return False
    if not subcommands:
        return True  # npx: fetches what it runs
    words = [a for a in argv[1:] if not a.startswith("-")]
    return bool(words) and words[0] in subcommands


Emit = Callable[[str, dict[str, object]], object]


class AutoApproval:
    """Decides whether one prompt may run unasked; verifies the sandbox once, at the first need."""

    def __init__(self, root: Path, sandbox: CommandSandbox | None, *, checkpoints_on: bool,
                 store_dir: Path | None, emit: Emit | None = None) -> None:
        self._root = root
        self._sandbox = sandbox
        self._checkpoints_on = checkpoints_on
        self._store_dir = store_dir
        self._emit = emit
        self._lock = threading.Lock()
        self._check: SandboxCheck | None = None

    def sandbox_check(self) -> SandboxCheck:
        with self._lock:
            if self._check is None:
                try:
                    self._check = verify_sandbox(self._sandbox, self._root, self._store_dir)
                except Exception as exc:  # any failure to verify is a failure: prompts stay prompts
                    self._check = SandboxCheck(False, f"the sandbox could not be verified: {exc}")
                if self._emit is not None:
                    self._emit("sandbox.verified", {"ok": self._check.ok, "reason": self._check.reason,
                                                    "enforced": list(self._check.enforced)})
            return self._check

    def why_not(self, action: ActionRequest, parsed: ParseResult | None,
                paths_ok: Callable[[str, bool], bool], risk: RiskClass | None) -> str | None:
        """None when the action may run unasked; otherwise why it still asks."""
        if not self._checkpoints_on:
            return "checkpoints are off, so nothing would be undoable"
        if action.kind == "command":
            if parsed is None or not parsed.understood:
                return "the command is not fully understood"
            for command in parsed.commands:
                if needs_network(command.argv):
                    return f"{command.name} needs the network"
                if command.dynamic_args or command.runtime_args:
                    return f"{command.name} has arguments only known at run time"
                for index, word in enumerate(command.argv[1:], 1):
                    if _pathlike(word) and not paths_ok(word, False):
                        return f"{word!r} is outside the workspace or protected"
                    del index
            for redirect in parsed.redirects:
                if redirect.target and (redirect.dynamic or not paths_ok(redirect.target, redirect.writes)):
                    return f"redirection to {redirect.target!r} is outside the workspace or protected"
        elif action.kind == "tool":
            if risk is not RiskClass.WRITE:
                return f"{action.tool} is not a file-writing tool"
            for path, write in ((action.path, action.write), *action.extra_paths):
                if path is None or not paths_ok(path, write):
                    return f"{path!r} is outside the workspace or protected"
            return self._sandbox_reason_for_tools()
        else:
            return f"a {action.kind} action"
        check = self.sandbox_check()
        return None if check.ok else check.reason

    def _sandbox_reason_for_tools(self) -> str | None:
        # A file tool runs in vtcode itself, inside the jail; its change is undoable by its checkpoint.
        return None


def _pathlike(word: str) -> bool:
    return word.startswith(("/", "~", "..")) or ("/" in word and not word.startswith("-"))


def verify_sandbox(sandbox: CommandSandbox | None, root: Path, store_dir: Path | None) -> SandboxCheck:
    """Run one probe under the session's sandbox and check, from outside, that nothing it tried happened."""
    if sandbox is None:
        return SandboxCheck(False, "no sandbox: commands run unconfined or not at all")
    if getattr(sandbox, "mode", None) != "workspace-write":
        mode = getattr(sandbox, "mode", "?")
        return SandboxCheck(False, f"sandbox.mode is {mode!r}, not 'workspace-write'")
    outside = Path(tempfile.mkdtemp(prefix="vtcode-auto-probe-"))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.05)
        port = listener.getsockname()[1]
        target = outside / "written"
        store_probe = (store_dir / "probe-written") if store_dir is not None else None
        paths = [str(target)] + ([str(store_probe)] if store_probe else [])
        code = (
            "import socket\n"
            f"for path in {paths!r}:\n"
            "    try:\n"
            "        open(path, 'w').write('x')\n"
            "    except OSError:\n"
            "        pass\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), 1).close()\n"
            "except OSError:\n"
            "    pass\n"
        )
        request = sandbox.request([sys.executable, "-I", "-S", "-c", code], str(root))
        prepared = sandbox.prepare(request)
        try:
            process = prepared.start(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            process.wait(timeout=30)
        finally:
            prepared.release()
        connected = False
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            connection.close()
            connected = True
        enforced = tuple(prepared.enforced)
        missing = [guard for guard in REQUIRED if guard not in enforced]
        if missing:
            return SandboxCheck(False, f"the sandbox does not enforce {', '.join(missing)}", enforced)
        if target.exists():
            return SandboxCheck(False, "a probe wrote outside the workspace", enforced)
        if store_probe is not None and store_probe.exists():
            store_probe.unlink()
            return SandboxCheck(False, "a probe wrote into the checkpoint store", enforced)
        if connected:
            return SandboxCheck(False, "a probe reached 127.0.0.1 with network off", enforced)
        if not any(g.startswith(("protected:", "outside:")) for g in enforced):
            return SandboxCheck(False, "the sandbox does not guard protected paths", enforced)
        said = "verified: no write outside the workspace or into vtcode's state, no network; "
        return SandboxCheck(True, said + ", ".join(enforced), enforced)
    finally:
        listener.close()
        shutil.rmtree(outside, ignore_errors=True)
