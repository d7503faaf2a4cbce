"""How hard to try one provider: retry delays with jitter, and a circuit breaker per provider."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 2
    backoff_s: float = 0.5
    backoff_max_s: float = 8.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds before retry number `attempt` (1-based): exponential, half of it jittered, so clients that
        failed together do not come back together; a server's Retry-After is honoured up to the cap."""
        if retry_after is not None:
            return float(min(self.backoff_max_s, retry_after))
        ceiling = min(self.backoff_max_s, self.backoff_s * 2.0 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not cryptography


@dataclass
class CircuitBreaker:
    """Closed until `threshold` consecutive failures; then open (skipped) for `cooldown_s`; then one trial
    request is let through (half-open): success closes it, failure opens it for another cool-down."""

    threshold: int = 3
    cooldown_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float | None = field(default=None)

    def allows(self) -> bool:
        return self.opened_at is None or self.clock() - self.opened_at >= self.cooldown_s

    def retry_in(self) -> float:
        return 0.0 if self.opened_at is None else max(0.0, self.cooldown_s - (self.clock() - self.opened_at))

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = self.clock()
