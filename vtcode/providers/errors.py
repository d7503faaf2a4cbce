"""Typed failures of the provider chain; each is a `ProviderError`, so one `except` catches them all."""

from __future__ import annotations

from vtcode_hookspecs import ProviderError

from vtcode.errors import VtcodeError


class ProviderConfigError(ProviderError, VtcodeError):
    """The chain cannot be built: an unknown provider, an unreadable secret file, an empty chain. Bad
    configuration or arguments, so the CLI reports it in one line with exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, kind="bad_request")


class ChainExhausted(ProviderError):
    """Every provider in the chain failed (or was skipped by its circuit breaker) for this request."""


class StreamInterrupted(ProviderError):
    """A provider failed after part of its answer was already handed on. Not retried, not failed over:
    a second answer would repeat or contradict what the caller already showed and acted on."""
