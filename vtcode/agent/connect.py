"""Reach the model for a session: the configured provider chain (failover, retries, llm.* events) from
vtcode.providers, imported only here so that commands which never talk to a model do not pay for it.

`settle_model` decides, before the first request, which model a session uses and says what the person
should know about it (vtcode/providers/choice.py). It lists the server's models only when that decides
something: no model named (the server's loaded one is used, a listing the first request would need
anyway), or `--model` naming one the config lets vtcode load. A named model with its window cached starts
with no listing at all: exec's start stays one round trip.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from vtcode.runtime import Runtime

if TYPE_CHECKING:
    from vtcode_hookspecs import ModelInfo

    from vtcode.providers.chain import ChainEntry, ProviderChain
    from vtcode.providers.choice import ModelChoice


@dataclass(frozen=True)
class Connection:
    chain: ProviderChain
    provider: str  # the chain's first provider
    model: str  # "" when neither config nor --model names one and it was not settled yet


def connect(
    runtime: Runtime, *, provider: str | None = None, model: str | None = None, base_url: str | None = None
) -> Connection:
    from vtcode.providers import open_chain

    chain = open_chain(
        runtime.config,
        runtime.plugins.registries.providers,
        runtime.bus,
        provider=provider,
        model=model,
        base_url=base_url,
    )
    names = chain.names
    return Connection(chain, names[0] if names else "", model or chain.model or "")


def settle_model(
    link: Connection, runtime: Runtime, *, named: str | None, say: Callable[[str], None]
) -> Connection:
    """exec's choice: the model to use, loaded first when `--model` named it and config allows loading;
    each note said once through `say`. Raises ProviderError (NoModelLoaded when none is loaded)."""
    from vtcode_hookspecs import ModelLoader

    entry = link.chain.entries[0]
    if not link.model:
        choice = entry.choose()
    elif named and entry.allow_load and isinstance(entry.provider, ModelLoader):
        choice = entry.choose()
        if choice.needs_load and choice.info is not None and entry.provider.can_load():
            choice = load_chosen(entry, choice.info, needed_window(entry, runtime), say)
    else:
        return link
    for note in choice.notes:
        say(note)
    return replace(link, model=choice.model)


def needed_window(entry: ChainEntry, runtime: Runtime) -> int | None:
    """The window to ask for when loading: the provider's configured context_length, else the agent's
    configured window, else the default of choice.py (capped at the model's maximum there)."""
    return entry.settings.context_length or runtime.config.config.agent.context_window


def load_chosen(
    entry: ChainEntry, info: ModelInfo, configured_window: int | None, say: Callable[[str], None]
) -> ModelChoice:
    """Load `info` on the entry's server (the caller has the person's consent) and use it."""
    from vtcode_hookspecs import ModelLoader, ProviderError

    from vtcode.providers.choice import load_window

    loader = entry.provider
    if not isinstance(loader, ModelLoader):
        raise ProviderError(f"{entry.name}: this provider cannot load models", kind="bad_request")
    window = load_window(info, configured_window)
    size = f"{info.size_bytes / 1e9:.1f} GB, " if info.size_bytes else ""
    say(f"loading {info.id} on {entry.name} ({size}{window:,}-token window)…")
    started = time.monotonic()
    loaded = loader.load_model(info.id, context_length=window)
    say(f"loaded {loaded.id} in {time.monotonic() - started:.1f}s")
    return entry.chose(loaded)
