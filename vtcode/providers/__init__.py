"""The provider chain: the session's way to the model, through the configured providers in order.

    from vtcode.providers import ProviderChain, open_chain

    chain = open_chain(config, host.registries.providers, bus, provider=None, model=None, base_url=None)
    for chunk in chain.chat(ChatRequest(model=chain.model or "", messages=[...], tools=[...])):
        ...

Every failure is a `vtcode_hookspecs.ProviderError`: `ChainExhausted` (nobody could answer),
`StreamInterrupted` (an answer broke after part of it was passed on), `ProviderConfigError`, or a
provider's own non-transient error (bad key, unknown model).
"""

from __future__ import annotations

from .chain import ChainEntry, ProviderChain
from .choice import ModelChoice, NoModelLoaded, choose_model, load_window
from .errors import ChainExhausted, ProviderConfigError, StreamInterrupted
from .open import open_chain, settings_for
from .resilience import CircuitBreaker, RetryPolicy

__all__ = [
    "ChainEntry",
    "ChainExhausted",
    "CircuitBreaker",
    "ModelChoice",
    "NoModelLoaded",
    "ProviderChain",
    "ProviderConfigError",
    "RetryPolicy",
    "StreamInterrupted",
    "choose_model",
    "load_window",
    "open_chain",
    "settings_for",
]
