"""The plugin lifecycle: discover -> sign off -> load -> register -> check -> collect.

Per plugin and fail-closed: one broken plugin is blocked with its reason and the rest keep working.
No path here falls back to loading everything.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

from vtcode_hookspecs import HOOK_FAMILIES, Error, PluginBlocked, PluginDiscovered, PluginSignedOff

from vtcode.config.models import PluginsConfig
from vtcode.events import EventBus
from vtcode.paths import private_dir, user_cache_dir

from .approvals import Approval, load_approvals
from .digest_cache import DigestCache
from .discovery import Candidate, discover
from .families import declared_families
from .host import PluginHost
from .integrity import IntegrityReport, verify
from .manager import GatedPluginManager
from .origin import origin_problem
from .records import PluginRecord
from .registry import Registered, RegistrationError, Registries, Registry, is_tool_source
from .signoff import SignOff, SignOffInputs, Status, decide


def load_plugins(
    plugins: PluginsConfig,
    bus: EventBus,
    *,
    path: Sequence[str] | None = None,
    approvals: Mapping[str, Approval] | None = None,
    cache: DigestCache | None = None,
    families: frozenset[str] | None = None,
) -> PluginHost:
    """Sign off every plugin and load those signed off; with `families`, load only the plugins signed off
    for one of them (a policy check needs the reviewers, not the providers)."""
    pm = GatedPluginManager()
    host = PluginHost(pm, [], Registries(), bus)
    _private_bytecode()
    for candidate, record, signoff in sign_off_all(plugins, path=path, approvals=approvals, cache=cache):
        bus.record(_describe(candidate))
        host.records.append(record)
        if signoff.status is not Status.SIGNED_OFF:
            pm.set_blocked(candidate.name)
            _emit_blocked(bus, record)
            continue
        if families is not None and not (signoff.families & record.declared & families):
            continue
        _load_one(host, candidate, signoff, record)
    collect_signed_off(host)
    _check_replacements(host, plugins)
    return host


def collect_signed_off(host: PluginHost) -> None:
    """Call the register_* hooks of every plugin still signed off, filling the registries."""
    for record in host.records:
        if record.status is Status.SIGNED_OFF:
            _collect(host, record)


def sign_off_all(
    plugins: PluginsConfig,
    *,
    path: Sequence[str] | None = None,
    approvals: Mapping[str, Approval] | None = None,
    cache: DigestCache | None = None,
) -> list[tuple[Candidate, PluginRecord, SignOff]]:
    """Discover and decide on every candidate from metadata alone: no plugin code runs here."""
    found = discover(path)
    inputs = SignOffInputs(plugins, load_approvals() if approvals is None else approvals, found.clashes)
    cache = cache or DigestCache.open()
    integrity: dict[str, IntegrityReport] = {}
    decided = []
    for candidate in found.candidates:
        report = integrity.get(candidate.distribution) or verify(candidate, cache)
        integrity[candidate.distribution] = report
        # Built-ins are signed off for every family; their scan only serves loading one family alone.
        declared = declared_families(candidate, cache)
        signoff = decide(candidate, report, frozenset() if candidate.builtin else declared, inputs)
        record = PluginRecord(
            candidate.name,
            candidate.distribution,
            candidate.version,
            candidate.builtin,
            signoff.status,
            signoff.reason,
            report.status.value,
            report.record_digest,
            signoff.families,
            declared,
        )
        decided.append((candidate, record, signoff))
    cache.save()
    return decided


def _load_one(host: PluginHost, candidate: Candidate, signoff: SignOff, record: PluginRecord) -> None:
    problem = origin_problem(candidate)
    if problem:
        _refuse(host, record, Status.BLOCKED, problem)
        return
    try:
        plugin = candidate.entry_point.load()
    except BaseException as exc:  # a plugin's import may raise anything, SystemExit included
        if isinstance(exc, KeyboardInterrupt):
            raise
        _refuse(host, record, Status.BLOCKED, f"import failed: {_one_line(exc)}")
        return
    register_loaded(host, plugin, record)


def register_loaded(host: PluginHost, plugin: Any, record: PluginRecord) -> None:
    """The gate's second half, for a plugin already imported: register atomically, then check its
    hookimpls against the families `record` was signed off for. vtcode.testing reuses it for plugin
    objects handed to it directly, so a plugin's tests meet the same checks as an installed plugin."""
    try:
        host.pm.register_atomically(plugin, record.name)
    except Exception as exc:
        _refuse(host, record, Status.BLOCKED, f"registration failed: {_one_line(exc)}")
        return
    implements, problem = _check_hookimpls(host.pm, plugin, record.families)
    record.implements = implements
    if problem:
        _refuse(host, record, Status.BLOCKED, problem)
        return
    host.bus.record(PluginSignedOff(**record.to_json()))  # the same fields `plugins list --json` shows


def _check_hookimpls(
    pm: GatedPluginManager, plugin: Any, allowed: frozenset[str]
) -> tuple[frozenset[str], str | None]:
    """Every hookimpl must match a hookspec, and its family must be one the sign-off allows."""
    families: set[str] = set()
    for caller in pm.get_hookcallers(plugin) or []:
        if not caller.has_spec() or caller.name not in HOOK_FAMILIES:
            return frozenset(families), f"implements {caller.name!r}, which is not a vtcode hook"
        family = HOOK_FAMILIES[caller.name]
        families.add(family)
        if family not in allowed:
            return frozenset(families), (
                f"implements {caller.name} (family {family!r}) but was signed off only for "
                f"{', '.join(sorted(allowed)) or 'no families'}"
            )
    return frozenset(families), None


def _collect(host: PluginHost, record: PluginRecord) -> None:
    """Call the plugin's register_* hooks one by one; stage what it registers and commit it only if
    every hook succeeds, so a plugin that fails half-way leaves nothing behind."""
    plugin = host.pm.get_plugin(record.name)
    staged: list[tuple[Registry[Any], Registered[Any]]] = []
    try:
        for hook_name, registry in host.registries.by_hook().items():
            for impl in getattr(host.pm.hook, hook_name).get_hookimpls():
                if impl.plugin is not plugin:
                    continue

                def register(obj: Any, _registry: Registry[Any] = registry, _hook: str = hook_name) -> None:
                    if _hook == "register_tools" and is_tool_source(obj):
                        _registry = host.registries.tool_sources
                    name = _registry.validate(obj, record.name)
                    if any(r is _registry and e.name == name for r, e in staged):
                        raise RegistrationError(f"plugin {record.name!r} registered {name!r} twice")
                    staged.append((_registry, Registered(obj, name, record.name, record.distribution)))

                impl.function(**{arg: register for arg in impl.argnames})
    except Exception as exc:
        _refuse(host, record, Status.BLOCKED, f"{_one_line(exc)}")
        return
    for registry, entry in staged:
        registry.add(entry)
        record.registered.setdefault(registry.family, []).append(entry.name)


def _refuse(host: PluginHost, record: PluginRecord, status: Status, reason: str) -> None:
    host.registries.remove_plugin(record.name)
    host.pm.unregister_and_block(record.name)
    record.block(status, reason)
    _emit_blocked(host.bus, record)


def _check_replacements(host: PluginHost, plugins: PluginsConfig) -> None:
    """A built-in replaced by a plugin that is not available stays disabled: fail closed, loudly."""
    signed = {r.name for r in host.records if r.status is Status.SIGNED_OFF}
    for replaced, replacement in plugins.replace.items():
        if replacement not in signed:
            for record in host.records:
                if record.name == replaced:
                    record.reason += f"; its replacement {replacement!r} is not signed off, so neither runs"
            host.bus.record(Error(message=f"plugins.replace: {replacement!r} is not available"))


def _private_bytecode() -> None:
    """Compile plugins into a private cache: pip lists `.pyc` files in RECORD without hashes, so a
    rewritten `.pyc` beside a verified source would otherwise run in its place."""
    prefix = str(private_dir(user_cache_dir() / "pycache"))
    if sys.pycache_prefix != prefix:
        sys.pycache_prefix = prefix


def _describe(candidate: Candidate) -> PluginDiscovered:
    return PluginDiscovered(
        name=candidate.name,
        distribution=candidate.distribution,
        version=candidate.version,
        module=candidate.module,
        builtin=candidate.builtin,
    )


def _emit_blocked(bus: EventBus, record: PluginRecord) -> None:
    bus.record(
        PluginBlocked(
            name=record.name,
            distribution=record.distribution,
            status=record.status.value,
            reason=record.reason,
        )
    )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
