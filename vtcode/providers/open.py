"""Build the chain a session uses from `[providers]` and the command line's overrides.

`--provider NAME` makes the chain that one provider (the user asked for it by name: silently answering
from another would be a surprise); `--model` and `--base-url` apply to the chain's first provider, since
model names and addresses belong to one server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError
from vtcode_hookspecs import Provider, ProviderError, ProviderSettings

from vtcode.config.models import ProviderConfig
from vtcode.paths import managed_config_file

from .chain import ChainEntry, ProviderChain
from .errors import ProviderConfigError
from .resilience import CircuitBreaker, RetryPolicy
from .secrets import resolve_api_key
from .windows import WindowCache

if TYPE_CHECKING:
    from vtcode.config import EffectiveConfig
    from vtcode.events import EventBus
    from vtcode.plugins.registry import Registry


def open_chain(
    config: EffectiveConfig,
    providers: Registry[Provider],
    bus: EventBus,
    *,
    provider: str | None = None,
    model: str | None = None,
    base_url: str | None = None,
) -> ProviderChain:
    section = config.config.providers
    first = provider or (section.chain[0] if section.chain else "")
    for flag, value, key in (
        ("--provider", provider, "providers.chain"),
        ("--model", model, f"providers.{first}.model"),
        ("--base-url", base_url, f"providers.{first}.base_url"),
    ):
        if value and _is_locked(config, key):
            raise ProviderConfigError(
                f"{flag}: {key} is locked by the managed configuration ({managed_config_file()}); "
                "ask your administrator"
            )
    names = [provider] if provider else list(section.chain)
    if not names:
        raise ProviderConfigError(
            'providers.chain is empty: name at least one provider, e.g. chain = ["lmstudio"]'
        )
    tables = section.entries()
    windows = WindowCache.default()
    entries = []
    for index, name in enumerate(names):
        table = tables.get(name, ProviderConfig())
        if index == 0:
            table = _overridden(table, model=model, base_url=base_url)
        settings = settings_for(name, table)
        try:
            configured = _configured(name, table.provider or name, settings, providers)
        except ProviderConfigError as exc:
            if provider is None:
                raise
            raise ProviderConfigError(f"--provider {provider}: {exc}") from None
        entries.append(
            ChainEntry(
                name=name,
                provider=configured,
                settings=settings,
                breaker=CircuitBreaker(section.failure_threshold, section.cooldown_s),
                windows=windows,
                allow_load=table.allow_load,
            )
        )
    retry = RetryPolicy(section.retries, section.backoff_s, section.backoff_max_s)
    return ProviderChain(entries, bus, retry=retry, llm_content=config.config.events.llm_content)


def _is_locked(config: EffectiveConfig, key: str) -> bool:
    """A managed lock on `key` or on any section above it (`providers` locks every provider key)."""
    return any(key == locked or key.startswith(locked + ".") for locked in config.locked)


def settings_for(name: str, table: ProviderConfig) -> ProviderSettings:
    return ProviderSettings(
        name=name,
        base_url=table.base_url,
        model=table.model,
        api_key=resolve_api_key(name, table),
        timeout_s=table.timeout_s,
        connect_timeout_s=table.connect_timeout_s,
        context_length=table.context_length,
        headers=table.headers,
        options=table.options,
    )


def _overridden(table: ProviderConfig, *, model: str | None, base_url: str | None) -> ProviderConfig:
    update = {key: value for key, value in (("model", model), ("base_url", base_url)) if value}
    if not update:
        return table
    try:
        return ProviderConfig.model_validate({**table.model_dump(exclude_unset=True), **update})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ProviderConfigError(f"--{where.replace('_', '-')}: {first['msg']}") from None


def _configured(
    name: str, wanted: str, settings: ProviderSettings, providers: Registry[Provider]
) -> Provider:
    registered = providers.get(wanted)
    if registered is None:
        via = f" (chain entry {name!r})" if wanted != name else ""
        raise ProviderConfigError(
            f"no provider named {wanted!r}{via} is registered; registered: "
            f"{', '.join(providers.names()) or 'none'}."
            " Is its plugin disabled or blocked? See `vtcode plugins list`; for another server set "
            f'[providers.{name}] provider = "openai-compat" and base_url'
        )
    configure = getattr(registered.obj, "configure", None)
    if not callable(configure):
        return registered.obj
    try:
        configured = configure(settings)
    except (ValueError, ProviderError) as exc:  # bad options: the plugin's message names the key
        raise ProviderConfigError(str(exc)) from None
    if not isinstance(configured, Provider):
        raise ProviderConfigError(f"provider {wanted!r}: configure() did not return a provider")
    return configured
