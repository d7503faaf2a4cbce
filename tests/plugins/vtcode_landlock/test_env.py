"""scrub_env: which variables a confined child never sees."""

from __future__ import annotations

import pytest
from vtcode_landlock.env import is_sensitive, scrub_env


@pytest.mark.parametrize("name", [
    "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GITHUB_TOKEN", "GH_TOKEN", "HF_TOKEN", "NPM_TOKEN",
    "CI_JOB_TOKEN",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AZURE_CLIENT_SECRET",
    "GOOGLE_APPLICATION_CREDENTIALS", "VAULT_ADDR", "DB_PASSWORD", "MYSQL_PWD", "PGPASSWORD",
    "SLACK_WEBHOOK_SECRET", "STRIPE_SECRET_KEY", "SSH_AUTH_SOCK", "SSH_AGENT_PID", "GPG_AGENT_INFO",
    "KRB5CCNAME", "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "XAUTHORITY", "SENTRY_DSN", "LMSTUDIO_API_KEY",
    "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "BASH_ENV",
    "ENV", "PROMPT_COMMAND", "PS4", "SHELLOPTS", "BASH_FUNC_git%%", "GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0",
    "GIT_CONFIG_PARAMETERS", "GIT_SSH_COMMAND", "GIT_EXEC_PATH", "GIT_DIR", "GIT_ASKPASS", "NODE_OPTIONS",
    "JAVA_TOOL_OPTIONS", "PERL5OPT", "RUBYOPT", "GCONV_PATH", "my_api_key",
])
def test_sensitive_names_are_dropped(name: str) -> None:
    assert is_sensitive(name)


@pytest.mark.parametrize("name", [
    "PATH", "HOME", "LANG", "LC_ALL", "TERM", "COLORTERM", "TZ", "USER", "LOGNAME", "SHELL", "PWD", "TMPDIR",
    "EDITOR", "VIRTUAL_ENV", "CARGO_HOME", "GOPATH", "JAVA_HOME", "PYTHONUNBUFFERED", "PYTHONIOENCODING",
    "OLDPWD", "GIT_AUTHOR_NAME", "GIT_COMMITTER_EMAIL", "XDG_RUNTIME_DIR", "NO_COLOR", "CI", "KEYMAP",
])
def test_ordinary_names_are_kept(name: str) -> None:
    assert not is_sensitive(name, "value")


def test_urls_with_embedded_passwords_are_dropped_whatever_the_name() -> None:
    env = {"MY_DB": "postgres://app:hunter2@db:5432/x", "HOMEPAGE": "https://example.org/a@b", "PATH": "/bin"}
    assert scrub_env(env) == {"HOMEPAGE": "https://example.org/a@b", "PATH": "/bin"}


def test_scrub_returns_a_copy() -> None:
    env = {"PATH": "/bin", "GITHUB_TOKEN": "x"}
    assert scrub_env(env) == {"PATH": "/bin"}
    assert env == {"PATH": "/bin", "GITHUB_TOKEN": "x"}
