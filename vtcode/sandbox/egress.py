"""The core's side of the allowlist network mode: one egress proxy per sandbox, started on first use,
and the environment that points a command's tools at it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vtcode_hookspecs import PAYLOADS, ActionRequest, Decision, Error, RuleId, Verdict

from vtcode.approvals.broker import ApprovalBroker
from vtcode.approvals.hosts import ApprovedHosts
from vtcode.config.models import SandboxConfig
from vtcode.egress.defaults import DEFAULT_ALLOW
from vtcode.egress.rules import EgressRules
from vtcode.errors import VtcodeError
from vtcode.events import EventBus

if TYPE_CHECKING:
    from vtcode.egress.proxy import Ask as Ask
    from vtcode.egress.proxy import EgressProxy
else:
    Ask = Callable[[str, int, str], bool]  # (host, port, method) -> allowed; as vtcode.egress.proxy.Ask

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
                   "npm_config_proxy", "npm_config_https_proxy", "CARGO_HTTP_PROXY")


def proxy_env(port: int) -> dict[str, str]:
    """What pip, npm, yarn, git (libcurl), cargo, go and curl read to find an HTTP proxy."""
    url = f"http://127.0.0.1:{port}"
    return dict.fromkeys(PROXY_VARIABLES, url)


def rules_of(config: SandboxConfig, approved: Sequence[str] = ()) -> EgressRules:
    egress = config.network
    allow = [*egress.allow, *(DEFAULT_ALLOW if egress.defaults else ()), *approved]
    return EgressRules(allow, egress.deny, egress.methods)


def own_rules(config: SandboxConfig, hosts: Sequence[str]) -> EgressRules:
    """A launch's own allowlist (an MCP server's grant): only `hosts`, never the session's allow list,
    its defaults or the person's approved hosts; the session's deny rules and method limits still hold."""
    return EgressRules(list(hosts), config.network.deny, config.network.methods)


class EgressGate:
    """One egress proxy, started on first use. The session's gate has the session's rules and asks the
    person about unnamed hosts; a launch with its own allowlist (`own`) gets a gate of its own, which
    never asks, and whose events name `client`."""

    def __init__(self, config: SandboxConfig, bus: EventBus, ask: Ask | None = None,
                 approved: Sequence[str] = (), *, own: Sequence[str] | None = None,
                 client: str | None = None) -> None:
        self._config = config
        self._approved = tuple(approved)
        self._ask = ask if config.network.ask and own is None else None
        self._bus = bus
        self._rules = rules_of(config, approved) if own is None else own_rules(config, own)
        self._client = client
        self._proxy: EgressProxy | None = None
        self._lock = threading.Lock()

    def _as_client(self, kind: str, payload: dict[str, Any]) -> object:
        """The proxy's events with the client named (its model checks them like the bus would)."""
        return self._bus.record(PAYLOADS[kind].model_validate({**payload, "client": self._client}))

    def _started(self) -> EgressProxy:
        with self._lock:
            if self._proxy is None:
                from vtcode.egress.proxy import EgressProxy

                emit = self._bus.emit if self._client is None else self._as_client
                self._proxy = EgressProxy(self._rules, emit, self._config.network.hosts, ask=self._ask)
            return self._proxy

    def attach(self, channel: socket.socket) -> int:
        return self._started().attach(channel)

    def detach(self, key: int) -> None:
        if self._proxy is not None:
            self._proxy.detach(key)

    def close(self) -> None:
        with self._lock:
            if self._proxy is not None:
                self._proxy.close()
                self._proxy = None


def network_asker(broker: ApprovalBroker) -> Ask:
    """The approval broker as the egress proxy's asker: a host no rule names is one prompt (allow once,
    for this session, always for this workspace when the broker has an ApprovedHosts store, or deny),
    recorded as approval.requested / approval.answered like any other. Without a terminal the broker's
    asker answers deny unasked."""

    def ask(host: str, port: int, method: str) -> bool:
        action = ActionRequest(kind="tool", tool="network", args={"host": host, "port": port})
        decision = Decision(verdict=Verdict.PROMPT, rule=RuleId("sandbox", "network"),
                            reason=f"a sandboxed command wants {method} {host}:{port}, which no "
                                   "sandbox.network rule allows")
        return broker.request(action, decision).allows

    return ask


def approved_hosts(root: Path, bus: EventBus) -> list[str]:
    """Hosts approved "always for this workspace". A file that cannot be read or is malformed is reported
    and ignored: fewer allowed hosts is the safe direction."""
    try:
        hosts = ApprovedHosts(root).hosts()
        EgressRules(hosts)
    except (VtcodeError, OSError, ValueError) as exc:
        bus.record(Error(message=f"egress approvals ignored: {exc}", source="sandbox.egress"))
        return []
    return hosts
