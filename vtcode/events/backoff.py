"""How long a queued sink waits between retries: exponential, capped, so an outage costs few attempts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    first_s: float = 0.2
    factor: float = 2.0
    cap_s: float = 30.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th consecutive failure (1-based)."""
        return float(min(self.cap_s, self.first_s * self.factor ** max(0, attempt - 1)))
