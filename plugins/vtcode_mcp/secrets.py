"""An HTTP server's bearer token, found like a provider's API key: the environment variable the config
names, else the user's secrets.toml (private to the user). Never from a workspace."""

from __future__ import annotations

import os

from vtcode.config.models import McpServerConfig, ProviderConfig
from vtcode.providers.errors import ProviderConfigError
from vtcode.providers.secrets import resolve_api_key


def bearer_token(server: str, config: McpServerConfig) -> str | None:
    if config.bearer_token_env is None and config.bearer_token_secret is None:
        return None
    env = config.bearer_token_env or f"MCP_{''.join(c if c.isalnum() else '_' for c in server).upper()}_TOKEN"
    if os.environ.get(env):
        return os.environ[env]
    try:
        key = resolve_api_key(
            f"mcp-{server}",
            ProviderConfig(api_key_env=env, api_key_secret=config.bearer_token_secret or f"mcp-{server}"),
        )
    except ProviderConfigError as exc:
        raise ValueError(str(exc)) from None
    if key is None:
        raise ValueError(
            f"MCP server {server!r}: no bearer token in ${env} or in secrets.toml "
            f"({config.bearer_token_secret or 'mcp-' + server})"
        )
    return key.get_secret_value()
