"""Turn what the transport and a server say into one-line `ProviderError`s a user can act on.

Secrets never reach a message: every text that came from the server passes through `one_line`, which
drops the API key wherever the server echoed it.
"""

from __future__ import annotations

import json
from typing import Any

from vtcode_hookspecs import ProviderError

from .transport import TransportError

MAX_DETAIL = 200


def one_line(text: str, secret: str | None = None, limit: int = MAX_DETAIL) -> str:
    if secret:
        text = text.replace(secret, "***")
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def server_message(body: bytes | str, secret: str | None = None) -> str:
    """The `error.message` of an OpenAI-style error body, else the body itself, on one line."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data: Any = json.loads(text)
    except ValueError:
        return one_line(text, secret)
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        error = error.get("message") or json.dumps(error)
    if isinstance(error, str):
        return one_line(error, secret)
    return one_line(text, secret)


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header; the HTTP-date form is rare on these servers and ignored."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(0.0, seconds)


def http_error(
    status: int,
    body: bytes,
    *,
    url: str,
    model: str | None,
    label: str,
    headers: dict[str, str],
    secret: str | None = None,
    auth_hint: str | None = None,
) -> ProviderError:
    """`auth_hint` replaces the generic advice on a 401/403 with the server's own (how to make a token
    there, and where vtcode reads it)."""
    detail = server_message(body, secret)
    where = f"{label} at {url}"
    if status in (401, 403):
        hint = auth_hint or "check the API key (api_key_env or the user secret file)"
        return ProviderError(
            f"{where} refused the credentials (HTTP {status}): {hint}: {detail}",
            kind="auth",
            status=status,
        )
    if status == 404:
        what = f"model {model!r} not found" if model else "not found"
        return ProviderError(
            f"{where}: {what} (HTTP 404; is the model loaded, and does base_url end in /v1?): {detail}",
            kind="not_found",
            status=status,
        )
    if status == 429:
        wait = retry_after(headers.get("retry-after"))
        hint = f", retry after {wait:g}s" if wait is not None else ""
        return ProviderError(
            f"{where} is rate limiting (HTTP 429{hint}): {detail}",
            kind="rate_limit",
            status=status,
            retry_after=wait,
        )
    if status >= 500:
        return ProviderError(f"{where} failed (HTTP {status}): {detail}", kind="server", status=status)
    return ProviderError(
        f"{where} rejected the request (HTTP {status}): {detail}", kind="bad_request", status=status
    )


def transport_error(
    exc: TransportError, *, url: str, label: str, timeout_s: float, hint: str = ""
) -> ProviderError:
    """Map a transport failure to a ProviderError that says what to do."""
    detail = one_line(str(exc))
    suffix = f": {hint}" if hint else ""
    if exc.kind == "connect_timeout":
        return ProviderError(f"no answer from {url} ({label}) while connecting{suffix}", kind="timeout")
    if exc.kind == "timeout":
        return ProviderError(f"{label} at {url} sent nothing for {timeout_s:g}s (timeout)", kind="timeout")
    if exc.kind == "deadline":
        return ProviderError(f"{label} at {url}: {detail}", kind="timeout")
    if exc.kind == "too_large":
        return ProviderError(f"{label} at {url} sent too much: {detail}; stopped reading", kind="protocol")
    if exc.kind == "tls":
        failed = f"TLS to {url} ({label}) failed, so nothing was sent"
        return ProviderError(f"{failed}: {detail}", kind="connection")
    if exc.kind == "connect":
        where = one_line(str(exc), limit=80)
        return ProviderError(f"no server at {url} ({label}: {where}){suffix}", kind="connection")
    return ProviderError(f"connection to {label} at {url} dropped: {detail}", kind="connection")
