"""litellm's exceptions, by status and class name, as ProviderErrors (no import of litellm needed)."""

from __future__ import annotations

from vtcode_hookspecs import ProviderError, ProviderErrorKind

from vtcode.api import one_line

_BY_NAME: dict[str, ProviderErrorKind] = {
    "APIConnectionError": "connection",
    "Timeout": "timeout",
    "RateLimitError": "rate_limit",
    "InternalServerError": "server",
    "ServiceUnavailableError": "server",
    "AuthenticationError": "auth",
    "PermissionDeniedError": "auth",
    "NotFoundError": "not_found",
    "BadRequestError": "bad_request",
    "ContextWindowExceededError": "bad_request",
    "UnprocessableEntityError": "bad_request",
}


def provider_error(exc: Exception, *, label: str, secret: str | None) -> ProviderError:
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    kind = next((_BY_NAME[c.__name__] for c in type(exc).__mro__ if c.__name__ in _BY_NAME), None)
    if kind is None:
        kind = _by_status(status)
    if _caused_by_connection(exc):  # litellm reports a refused connection as a 500 "Connection error."
        kind, status = "connection", None
    detail = one_line(str(exc), secret, limit=300)
    prefix = f"{label}: HTTP {status}" if status else label
    return ProviderError(f"{prefix}: {detail}", kind=kind, status=status)


def _by_status(status: int | None) -> ProviderErrorKind:
    if status is None:
        return "connection"
    if status == 429:
        return "rate_limit"
    if status >= 500:
        return "server"
    if status in (401, 403):
        return "auth"
    if status == 404:
        return "not_found"
    return "bad_request"


def _caused_by_connection(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(8):  # a short walk: exception chains can loop
        if seen is None:
            break
        if type(seen).__name__ in ("ConnectError", "ConnectionRefusedError", "APIConnectionError"):
            return True
        seen = seen.__cause__ or seen.__context__
    return "Connection error." in str(exc)
