"""Plugin hosts for tests: plugin objects through the gate's registration checks, or installed entry
points through the whole gate with approvals that live only for the call (never the user's file)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from vtcode_hookspecs import FAMILIES, HOOK_FAMILIES, PROJECT_NAME

from vtcode.config.models import PluginsConfig
from vtcode.distributions import canonical_name
from vtcode.errors import PluginBlocked
from vtcode.events import EventBus
from vtcode.plugins import PluginHost, PluginRecord, Status, load_plugins
from vtcode.plugins.approvals import Approval
from vtcode.plugins.digest_cache import DigestCache
from vtcode.plugins.discovery import discover
from vtcode.plugins.families import declared_families
from vtcode.plugins.integrity import Integrity, verify
from vtcode.plugins.loader import collect_signed_off, register_loaded
from vtcode.plugins.manager import GatedPluginManager
from vtcode.plugins.registry import Registries

TEST_APPROVER = "vtcode.testing"


def implemented_families(plugin: object) -> frozenset[str]:
    """The hook families an object has hookimpls for (functions marked with `@hookimpl`)."""
    marker = f"{PROJECT_NAME}_impl"
    return frozenset(
        family for hook, family in HOOK_FAMILIES.items() if hasattr(getattr(plugin, hook, None), marker)
    )


def plugin_host(
    *plugins: object, families: Iterable[str] | None = None, bus: EventBus | None = None
) -> PluginHost:
    """A host holding `plugins` (modules or objects with hookimpls), registered and checked exactly as the
    gate does after importing an approved plugin: atomic registration, hookimpls only for the signed-off
    families, names unique per family, all-or-nothing `register_*`. A plugin that fails is in
    `host.records` as blocked with the reason, like `vtcode plugins list` would show it.

    `families` is the test's approval: the families every plugin may implement (default: those it does).
    Plugin objects have no distribution, so integrity and approvals are not checked: use
    `installed_host` for that."""
    allowed = None if families is None else frozenset(families)
    unknown = (allowed or frozenset()) - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown hook families {sorted(unknown)}; known: {', '.join(FAMILIES)}")
    host = PluginHost(GatedPluginManager(), [], Registries(), bus or EventBus())
    for plugin in plugins:
        name = _plugin_name(plugin)
        if host.record(name) is not None:
            raise ValueError(f"two plugins named {name!r}")
        implements = implemented_families(plugin)
        record = PluginRecord(
            name=name,
            distribution=name,
            version="0+test",
            builtin=False,
            status=Status.SIGNED_OFF,
            reason=f"signed off for a test ({TEST_APPROVER})",
            integrity=Integrity.UNVERIFIED.value,
            record_digest=None,
            families=implements if allowed is None else allowed,
            declared=implements,
        )
        host.records.append(record)
        register_loaded(host, plugin, record)
    collect_signed_off(host)
    return host


def approvals_for(
    *distributions: str, families: Iterable[str] | None = None, path: Sequence[str] | None = None
) -> dict[str, Approval]:
    """Approvals of installed distributions as `vtcode plugins approve` would record them (version, RECORD
    digest, families its source defines), held in memory for a test and never written to disk."""
    found = discover(path)
    cache = DigestCache.open()
    approvals: dict[str, Approval] = {}
    for wanted in distributions:
        key = canonical_name(wanted)
        chosen = [c for c in found.candidates if canonical_name(c.distribution) == key]
        if not chosen:
            raise PluginBlocked(f"{wanted}: no installed distribution of that name declares a vtcode plugin")
        report = verify(chosen[0], cache)
        if report.status is Integrity.TAMPERED:
            raise PluginBlocked(f"{wanted}: refusing to approve a tampered installation: {report.summary}")
        allowed = set(families) if families is not None else set().union(*map(declared_families, chosen))
        approvals[key] = Approval(
            distribution=chosen[0].distribution,
            version=chosen[0].version,
            record_digest=report.record_digest,
            families=sorted(allowed),
            approved_at=datetime.now(UTC),
            approved_by=TEST_APPROVER,
        )
    cache.save()
    return approvals


def installed_host(
    *approve: str,
    families: Iterable[str] | None = None,
    config: PluginsConfig | None = None,
    path: Sequence[str] | None = None,
    bus: EventBus | None = None,
) -> PluginHost:
    """The real gate over installed entry points (built-ins included), with the distributions in
    `approve` approved for this call only. Everything else is decided as for a user: needs-approval,
    tampered, disabled... so a test can assert what `vtcode plugins list` would say."""
    approvals = approvals_for(*approve, families=families, path=path)
    return load_plugins(config or PluginsConfig(), bus or EventBus(), path=path, approvals=approvals)


def _plugin_name(plugin: object) -> str:
    name = getattr(plugin, "__name__", None) or type(plugin).__name__
    return str(name).rpartition(".")[2].lower()
