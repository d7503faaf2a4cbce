"""The old network spellings, read as `[sandbox.network]` (decision 2202).

Before the allowlist mode had a place in the `mode` key, `sandbox.network` was a bool (true: the whole
network) and the allowlist settings lived in `[sandbox.egress]` (`enabled = true`: the allowlist mode).
Files written that way keep working: each layer is rewritten before it is merged, and the loader says once,
as a config.notice, which new key to write. Per layer:

- `sandbox.network = true` -> `mode = "full"`; `= false` -> `mode = "off"` unless the same layer's
  `[sandbox.egress]` says `enabled = true` (then `"allowlist"`, as before: egress applied with network off).
- `[sandbox.egress]` -> its keys in `[sandbox.network]`; `enabled = true` -> `mode = "allowlist"` (unless the
  layer's `network = true`), `enabled = false` -> `mode = "off"`.
- A layer that writes both `[sandbox.network]` as a table and `[sandbox.egress]` is an error: which one
  was meant cannot be known.
- managed `locked` entries `sandbox.egress[.KEY]` lock `sandbox.network[.KEY]` (`enabled` -> `mode`).

A value of the wrong kind is a one-line error naming the key as the file wrote it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

LEGACY_TABLE = "egress"


class LegacyNetworkError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


def upgrade_sandbox(sandbox: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The `[sandbox]` table with the old spellings rewritten, and what to tell the person."""
    old_network = sandbox.get("network")
    egress = sandbox.get(LEGACY_TABLE)
    if not isinstance(old_network, bool) and LEGACY_TABLE not in sandbox:
        if "network" in sandbox and not isinstance(old_network, dict):
            raise LegacyNetworkError(
                "sandbox.network", f"expected a [sandbox.network] table (mode = \"off\" | \"allowlist\" | "
                f"\"full\"), or the old true/false (got {json.dumps(old_network, default=str)[:60]})")
        return sandbox, []
    if LEGACY_TABLE in sandbox and not isinstance(egress, dict):
        raise LegacyNetworkError("sandbox.egress", "expected a table, and [sandbox.network] replaces it "
                                 f"(got {json.dumps(egress, default=str)[:60]})")
    if isinstance(old_network, dict) and egress is not None:
        raise LegacyNetworkError(
            "sandbox.egress", "replaced by [sandbox.network], which this file also sets; move its keys "
            "into [sandbox.network] (enabled = true is mode = \"allowlist\")")
    result = {key: value for key, value in sandbox.items() if key not in ("network", LEGACY_TABLE)}
    network: dict[str, Any] = dict(old_network) if isinstance(old_network, dict) else {}
    notices = []
    if egress is not None:
        if "mode" in egress:
            raise LegacyNetworkError("sandbox.egress.mode",
                                     "unknown key (the mode is [sandbox.network] mode)")
        enabled = egress.get("enabled")
        if "enabled" in egress and not isinstance(enabled, bool):
            raise LegacyNetworkError("sandbox.egress.enabled",
                                     f"Input should be a valid boolean (got {json.dumps(enabled)[:60]})")
        network.update({key: copy.deepcopy(value) for key, value in egress.items() if key != "enabled"})
        if enabled is not None:
            network["mode"] = "allowlist" if enabled else "off"
        notices.append("[sandbox.egress] is read as [sandbox.network]"
                       + (f' (enabled = {str(enabled).lower()} as mode = "{network["mode"]}")'
                          if enabled is not None else "") + "; rename the table")
    if isinstance(old_network, bool):
        if old_network:
            network["mode"] = "full"
        else:
            network.setdefault("mode", "off")
        notices.append(f'sandbox.network = {str(old_network).lower()} is read as [sandbox.network] '
                       f'mode = "{network["mode"]}"; write that instead')
    result["network"] = network
    return result, notices


def upgrade_document(data: dict[str, Any], name: str) -> tuple[dict[str, Any], list[str]]:
    """A whole vtcode.toml / managed.toml document with the old spellings rewritten, and the notices
    (each naming `name`, the file or `-c` setting). Raises LegacyNetworkError for a malformed value."""
    notices: list[str] = []
    upgraded = data
    sandbox = data.get("sandbox")
    if isinstance(sandbox, dict):
        new_sandbox, said = upgrade_sandbox(sandbox)
        if said:
            upgraded = {**data, "sandbox": new_sandbox}
            notices += [f"{name}: {notice}" for notice in said]
    locked = data.get("locked")
    if isinstance(locked, list) and any(isinstance(k, str) and _is_legacy_key(k) for k in locked):
        new_locked = [upgrade_key(k) if isinstance(k, str) else k for k in locked]
        upgraded = {**upgraded, "locked": new_locked}
        notices.append(f"{name}: locked names sandbox.egress, read as sandbox.network; rename it")
    return upgraded, notices


def _is_legacy_key(dotted: str) -> bool:
    return dotted == "sandbox.egress" or dotted.startswith("sandbox.egress.")


def upgrade_key(dotted: str) -> str:
    """`sandbox.egress.allow` -> `sandbox.network.allow`; `sandbox.egress.enabled` ->
    `sandbox.network.mode`."""
    if not _is_legacy_key(dotted):
        return dotted
    rest = dotted[len("sandbox.egress"):]
    return "sandbox.network" + (".mode" if rest == ".enabled" else rest)


def legacy_key(dotted: str) -> str:
    """The other way, for an error about a key the file wrote in `[sandbox.egress]`."""
    if dotted.startswith("sandbox.network."):
        return "sandbox.egress." + dotted[len("sandbox.network."):]
    return dotted
