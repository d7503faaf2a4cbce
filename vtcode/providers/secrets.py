"""API keys: from the environment variable a provider's settings name, else from the user's secret file.

Never from a workspace: a repository must not be able to choose which account pays for, or which server
sees, your prompts. The secret file (`<user config dir>/secrets.toml`, one `name = "key"` per line) must be
private to the user (no group or other permission bits), like ~/.ssh keys; otherwise it is refused.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

from pydantic import SecretStr

from vtcode.config.models import ProviderConfig
from vtcode.paths import user_config_dir

from .errors import ProviderConfigError

SECRETS_FILE = "secrets.toml"


def default_key_env(name: str) -> str:
    """`lmstudio` -> LMSTUDIO_API_KEY, `openai-compat` -> OPENAI_COMPAT_API_KEY."""
    return "".join(c if c.isalnum() else "_" for c in name).upper() + "_API_KEY"


def secrets_file() -> Path:
    return user_config_dir() / SECRETS_FILE


def resolve_api_key(name: str, entry: ProviderConfig) -> SecretStr | None:
    return resolve_secret(entry.api_key_env or default_key_env(name), entry.api_key_secret or name)


def resolve_secret(env: str, name: str) -> SecretStr | None:
    """The variable `env` when set and not empty, else `name` in the user's secrets.toml, else None: how
    a provider's key and a plugin's token (vtcode.api) are found. Raises ProviderConfigError (a
    VtcodeError) when the file is readable by others or not TOML."""
    value = os.environ.get(env)
    if value:
        return SecretStr(value)
    return _from_file(secrets_file(), name)


def _from_file(path: Path, key: str) -> SecretStr | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if info.st_mode & 0o077 or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        raise ProviderConfigError(
            f"{path}: refusing to read API keys from a file others can read or that you do not own "
            f"(mode {stat.filemode(info.st_mode)}); run: chmod 600 {path}"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        # `from None`: the parser's message may quote the line, and the line may hold a key.
        raise ProviderConfigError(f'{path}: not a valid TOML file of `name = "key"` lines') from None
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProviderConfigError(f"{path}: {key} must be a string")
    return SecretStr(value)
