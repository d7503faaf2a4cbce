"""The sign-off decision for one candidate, from metadata, config, integrity and approvals alone.

Pure: no I/O and no plugin code. Order matters: the first rule that refuses wins, so a disabled or
tampered plugin is refused whatever approvals say.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from vtcode_hookspecs import FAMILIES

from vtcode.config.models import PluginPin, PluginsConfig
from vtcode.distributions import canonical_name, version_in_range

from .approvals import Approval
from .discovery import Candidate
from .integrity import Integrity, IntegrityReport


class Status(StrEnum):
    SIGNED_OFF = "signed-off"
    BLOCKED = "blocked"
    NEEDS_APPROVAL = "needs-approval"
    DISABLED = "disabled"
    TAMPERED = "tampered"


@dataclass(frozen=True)
class SignOff:
    status: Status
    reason: str
    families: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SignOffInputs:
    plugins: PluginsConfig
    approvals: Mapping[str, Approval]
    clashes: Mapping[str, tuple[str, ...]]


def decide(
    candidate: Candidate, integrity: IntegrityReport, declared: frozenset[str], inputs: SignOffInputs
) -> SignOff:
    cfg = inputs.plugins
    dist_key = canonical_name(candidate.distribution)
    if candidate.name in inputs.clashes:
        both = " and ".join(inputs.clashes[candidate.name])
        return SignOff(Status.BLOCKED, f"entry point {candidate.name!r} is declared by {both}: refusing both")
    if candidate.name in cfg.disabled or dist_key in {canonical_name(d) for d in cfg.disabled}:
        return SignOff(Status.DISABLED, "disabled by config (plugins.disabled)")
    if candidate.name in cfg.replace:
        return SignOff(Status.DISABLED, f"replaced by {cfg.replace[candidate.name]!r} (plugins.replace)")
    if integrity.status is Integrity.TAMPERED:
        return SignOff(Status.TAMPERED, f"integrity: {integrity.summary}")
    if cfg.require_verified and integrity.status is not Integrity.VERIFIED:
        return SignOff(Status.BLOCKED, f"unverified ({integrity.summary}) and plugins.require_verified is on")
    if candidate.builtin:
        return SignOff(Status.SIGNED_OFF, "built-in", frozenset(FAMILIES))
    return _third_party(candidate, integrity, declared, inputs)


def _third_party(
    candidate: Candidate, integrity: IntegrityReport, declared: frozenset[str], inputs: SignOffInputs
) -> SignOff:
    cfg = inputs.plugins
    pin = _pin_for(candidate, cfg.pins)
    if pin is not None:
        refusal = _pin_mismatch(candidate, integrity, pin)
        if refusal:
            return SignOff(Status.BLOCKED, refusal)
        families = frozenset(pin.families) if pin.families is not None else declared
        return SignOff(Status.SIGNED_OFF, "pinned by the managed configuration", families)
    if cfg.third_party == "none":
        return SignOff(Status.BLOCKED, "third-party plugins are off (plugins.third_party = 'none')")
    if cfg.third_party == "any":
        return SignOff(Status.SIGNED_OFF, "allowed by plugins.third_party = 'any'", declared)
    if not cfg.allow_user_approvals:
        return SignOff(Status.BLOCKED, "not pinned, and the managed configuration forbids user approvals")
    approval = inputs.approvals.get(canonical_name(candidate.distribution))
    if approval is None:
        return SignOff(
            Status.NEEDS_APPROVAL, f"not approved: run `vtcode plugins approve {candidate.distribution}`"
        )
    if approval.version != candidate.version or approval.record_digest != integrity.record_digest:
        return SignOff(
            Status.NEEDS_APPROVAL,
            f"approved for {approval.version} ({_short(approval.record_digest)}) but {candidate.version} "
            f"({_short(integrity.record_digest)}) is installed: approve again",
        )
    return SignOff(Status.SIGNED_OFF, f"approved by {approval.approved_by}", frozenset(approval.families))


def _pin_for(candidate: Candidate, pins: list[PluginPin]) -> PluginPin | None:
    key = canonical_name(candidate.distribution)
    return next((pin for pin in pins if canonical_name(pin.name) == key), None)


def _pin_mismatch(candidate: Candidate, integrity: IntegrityReport, pin: PluginPin) -> str | None:
    if pin.version != "*" and not version_in_range(candidate.version, pin.version):
        return f"pinned to {pin.version} but {candidate.version} is installed"
    if pin.record_digest is not None and pin.record_digest != integrity.record_digest:
        installed = _short(integrity.record_digest)
        return f"pinned RECORD digest {_short(pin.record_digest)} differs from installed {installed}"
    return None


def _short(digest: str | None) -> str:
    return "no RECORD" if digest is None else digest[:19]
