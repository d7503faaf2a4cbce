"""An HTTP server's bearer token, found like a provider's API key: the environment variable the config
names, else the user's secrets.toml (private to the user). Never from a workspace."""

from __future__ import annotations

from vtcode.api import VtcodeError, resolve_secret

from .config import McpServerConfig


def bearer_token(server: str, config: McpServerConfig) -> str | None:
    if config.bearer_token_env is None and config.bearer_token_secret is None:
        return None
    env = config.bearer_token_env or f"MCP_{''.join(c if c.isalnum() else '_' for c in server).upper()}_TOKEN"
    secret = config.bearer_token_secret or f"mcp-{server}"
    try:
        key = resolve_secret(env, secret)
    except VtcodeError as exc:  # secrets.toml readable by others, or not TOML: one line naming the file
        raise ValueError(str(exc)) from None
    if key is None:
        raise ValueError(f"MCP server {server!r}: no bearer token in ${env} or in secrets.toml ({secret})")
    return key.get_secret_value()
