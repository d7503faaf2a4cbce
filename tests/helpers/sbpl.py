"""A small evaluator of the SBPL subset the seatbelt backend emits, for tests on machines without Seatbelt.

What it models (Apple's sandbox, as the peers' profiles rely on it): rules are read in order and the
LAST rule that matches a request decides; `(deny default)` first makes everything else denied. A second
reading, `precedence="specific-first"`, is what one generator that tests its profiles on macOS reports:
rules naming the operation itself are consulted before rules naming only its class (`file-write*`),
whatever their order. The backend's profile must mean the same under both (which one the kernel follows
is one of the things only a Mac can confirm). A rule
names operations, where `file-read*` covers every operation starting with `file-read` and a family name
(`ipc-posix-sem`) covers its members (`ipc-posix-sem-open`); several filters in a rule match if any
does. Paths are compared as the kernel hands them over: resolved, so tests pass canonical paths.

Anything outside the subset -- an unknown operation, filter or regex construct, a missing parameter --
raises, so the profile cannot drift into constructs these tests would silently misread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Operations macOS's sandbox knows that the backend may emit (a typo would fail to compile on a Mac).
KNOWN_OPERATIONS = frozenset({
    "default", "file-read*", "file-read-data", "file-read-metadata", "file-read-xattr", "file-write*",
    "file-write-data", "file-write-create", "file-write-unlink", "file-write-mode", "file-write-owner",
    "file-write-times", "file-write-xattr", "file-write-flags", "file-write-setugid", "file-ioctl",
    "file-link", "file-clone", "file-map-executable", "file-test-existence", "process-fork", "process-exec",
    "process-info*", "signal", "mach-host*", "sysctl-read", "sysctl-write", "ipc-posix-sem",
    "ipc-posix-shm-read-data", "user-preference-read", "mach-lookup", "pseudo-tty", "network*",
    "network-outbound", "network-inbound", "network-bind", "system-socket", "appleevent-send",
    "process-info-pidinfo", "mach-priv-task-port", "iokit-open", "file-write-acl", "job-creation",
})
# Plain ASCII regex syntax, plus the few non-ASCII characters APFS folds to ASCII (fold.NON_ASCII), which
# may only appear as alternatives of a (...|...) group: a byte-wise engine then matches their UTF-8.
_NON_ASCII = "\u037e\u1fef\u212a\u017f\u00df\u1e9e\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"
_REGEX_SUBSET = re.compile(r"[\^$\[\]()|?*+.\\/A-Za-z0-9_ @,=~!#%&':;<>`" + _NON_ASCII + "-]*")
_NON_ASCII_IN_CLASS = re.compile(r"\[[^\]]*[^\x00-\x7f][^\]]*\]")
_TOKEN = re.compile(r'\s+|;[^\n]*|\(|\)|#"(?:[^"\\]|\\.)*"|"(?:[^"\\]|\\.)*"|[^\s()";]+')


@dataclass(frozen=True)
class Request:
    """One access the kernel would check."""

    op: str
    path: str | None = None
    global_name: str | None = None
    sysctl: str | None = None
    ipc_name: str | None = None
    same_sandbox: bool = True
    local_unix: str | None = None
    remote_unix: str | None = None
    remote_ip: str | None = None
    local_ip: str | None = None  # "host:port" of a bind or a listening socket
    extensions: frozenset[str] = frozenset()  # sandbox extensions the path carries (a PTY's, ...)


@dataclass
class Rule:
    verdict: str
    operations: tuple[str, ...]
    filters: list[Any]


@dataclass
class Profile:
    rules: list[Rule] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    precedence: str = "last-match"  # or "specific-first" (see the module's docstring)

    def decide(self, request: Request) -> str:
        """"allow" or "deny": the verdict of the last rule matching the request (under specific-first:
        of the last matching rule naming the operation itself, else of the last matching one)."""
        verdict = "deny"  # nothing matched at all: Seatbelt's own default
        specific: str | None = None
        for rule in self.rules:
            if any(_covers(op, request.op) for op in rule.operations) and (
                not rule.filters or any(self._match(f, request) for f in rule.filters)
            ):
                verdict = rule.verdict
                if request.op in rule.operations:
                    specific = rule.verdict
        if self.precedence == "specific-first" and specific is not None:
            return specific
        return verdict

    def allows(self, op: str, path: str | None = None, **attrs: Any) -> bool:
        return self.decide(Request(op, path, **attrs)) == "allow"

    def _value(self, node: Any) -> str:
        if isinstance(node, str):
            return node
        if isinstance(node, list) and node[:1] == ["param"] and len(node) == 2:
            key = node[1]
            if key not in self.params:
                raise KeyError(f"profile reads parameter {key!r}, which was not defined")
            return self.params[key]
        raise ValueError(f"not a string or parameter: {node!r}")

    def _match(self, node: Any, req: Request) -> bool:
        head, args = node[0], node[1:]
        if head == "literal":
            return req.path is not None and req.path == self._value(args[0])
        if head == "subpath":
            base = self._value(args[0]).rstrip("/") or "/"
            return req.path is not None and (
                req.path == base or req.path.startswith(base if base == "/" else base + "/")
            )
        if head == "regex":
            return req.path is not None and re.search(_regex(args[0]), req.path) is not None
        if head == "require-all":
            return all(self._match(a, req) for a in args)
        if head == "require-any":
            return any(self._match(a, req) for a in args)
        if head == "require-not":
            return not self._match(args[0], req)
        if head == "global-name":
            return req.global_name == self._value(args[0])
        if head == "sysctl-name":
            return req.sysctl == self._value(args[0])
        if head == "sysctl-name-prefix":
            return req.sysctl is not None and req.sysctl.startswith(self._value(args[0]))
        if head == "ipc-posix-name-prefix":
            return req.ipc_name is not None and req.ipc_name.startswith(self._value(args[0]))
        if head == "extension" and len(args) == 1:
            return self._value(args[0]) in req.extensions
        if head == "target" and args == ["same-sandbox"]:
            return req.same_sandbox
        if head == "local" and args[:1] == ["ip"] and len(args) == 2:
            return req.local_ip is not None and _ip_matches(self._value(args[1]), req.local_ip)
        if head in ("local", "remote") and args[:1] == ["unix-socket"]:
            socket = req.local_unix if head == "local" else req.remote_unix
            if socket is None:
                return False
            return len(args) == 1 or self._match(args[1], Request(req.op, socket))
        raise ValueError(f"filter outside the evaluated subset: {node!r}")


_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def _ip_matches(pattern: str, address: str) -> bool:
    """SBPL's ip filters take `localhost` or `*` as the host and a port or `*` (others do not compile)."""
    want_host, _, want_port = pattern.rpartition(":")
    host, _, port = address.rpartition(":")
    if want_host not in ("localhost", "*") or not (want_port == "*" or want_port.isdigit()):
        raise ValueError(f"ip filter outside the evaluated subset: {pattern!r}")
    return (want_host == "*" or host in _LOOPBACK) and want_port in ("*", port)


def _covers(rule_op: str, op: str) -> bool:
    if rule_op == "default" or rule_op == op:
        return True
    if rule_op.endswith("*"):
        return op.startswith(rule_op[:-1])
    return op.startswith(rule_op + "-")


def _regex(token: Any) -> str:
    if not (isinstance(token, tuple) and token[0] == "regex-literal"):
        raise ValueError(f"regex must be a #\"...\" literal: {token!r}")
    pattern = token[1]
    if not _REGEX_SUBSET.fullmatch(pattern) or _NON_ASCII_IN_CLASS.search(pattern):
        raise ValueError(f"regex outside the evaluated subset: {pattern!r}")
    return pattern


def _tokens(text: str) -> list[Any]:
    out: list[Any] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"cannot read the profile at {text[pos:pos + 40]!r}")
        tok = m.group(0)
        pos = m.end()
        if tok.isspace() or tok.startswith(";"):
            continue
        if tok.startswith('#"'):
            out.append(("regex-literal", tok[2:-1]))
        elif tok.startswith('"'):
            out.append(re.sub(r"\\(.)", r"\1", tok[1:-1]))
        else:
            out.append(tok)
    return out


def _tree(tokens: list[Any]) -> list[Any]:
    stack: list[list[Any]] = [[]]
    for tok in tokens:
        if tok == "(":
            stack.append([])
        elif tok == ")":
            if len(stack) == 1:
                raise ValueError("unbalanced ')'")
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(tok)
    if len(stack) != 1:
        raise ValueError("unbalanced '('")
    return stack[0]


def parse(text: str, params: dict[str, str], precedence: str = "last-match") -> Profile:
    """Read a profile; every top-level form must be (version 1), (allow ...) or (deny ...)."""
    if precedence not in ("last-match", "specific-first"):
        raise ValueError(f"unknown precedence {precedence!r}")
    profile = Profile(params=dict(params), precedence=precedence)
    forms = _tree(_tokens(text))
    if not forms or forms[0] != ["version", "1"]:
        raise ValueError("a profile starts with (version 1)")
    for form in forms[1:]:
        if not isinstance(form, list) or form[0] not in ("allow", "deny"):
            raise ValueError(f"unexpected top-level form: {form!r}")
        ops = tuple(x for x in form[1:] if isinstance(x, str))
        filters = [x for x in form[1:] if isinstance(x, list)]
        if not ops or form[1 : 1 + len(ops)] != list(ops):
            raise ValueError(f"operations come first in a rule: {form!r}")
        unknown = [op for op in ops if op not in KNOWN_OPERATIONS]
        if unknown:
            raise ValueError(f"unknown operation(s) {unknown}")
        profile.rules.append(Rule(form[0], ops, filters))
    return profile
