"""Reach the model for a session: the configured provider chain (failover, retries, llm.* events) from
vtcode.providers, imported only here so that commands which never talk to a model do not pay for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vtcode.runtime import Runtime

if TYPE_CHECKING:
    from vtcode.providers.chain import ProviderChain


@dataclass(frozen=True)
class Connection:
    chain: ProviderChain
    provider: str  # the chain's first provider
    model: str  # "" when neither config nor --model names one: the server's first listed model is used


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
