"""The environment a confined child gets: the caller's, minus secrets and code-injection hooks.

One scrub for every sandbox backend (Landlock and Seatbelt import it), so a variable removed on Linux
is removed on macOS too (the Seatbelt backend had a shorter list: the second outside review's N10).

Pattern-based so that a new `FOO_API_KEY` is dropped without anyone listing it. Two families go:
credentials (tokens, keys, passwords, cloud and agent sockets, URLs with embedded passwords) and variables
that make a tool load or run code the command line does not show (LD_PRELOAD, PYTHONSTARTUP, BASH_ENV,
GIT_CONFIG_*, exported bash functions...), which would let a command the policy approved do something else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSW(OR)?D|PASSPHRASE|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SIGNING_?KEY"
    r"|COOKIE|SESSION_?KEY|(^|_)AUTH(_|$)|AUTHTOKEN|ASKPASS|(^|_)PASS$|.+_PWD$|_PAT$|_KEYS?$|_DSN$|_SALT$"
)
_SECRET_PREFIX = re.compile(
    r"^(AWS_|AZURE_|ARM_CLIENT|GOOGLE_|GCLOUD_|CLOUDSDK_|GCP_|DIGITALOCEAN_|HCLOUD_|LINODE_|OCI_CLI|VAULT_"
    r"|OP_|BW_|DOPPLER_|NPM_CONFIG__AUTH|TWINE_|HF_|HUGGING_FACE_)"
)
# Sockets and files that hold a live credential: an agent that signs for us, a kerberos cache...
_CREDENTIAL_HANDLES = frozenset({
    "SSH_AUTH_SOCK", "SSH_AGENT_PID", "GPG_AGENT_INFO", "GNUPGHOME", "KRB5CCNAME", "KUBECONFIG",
    "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CERT_PATH", "NETRC", "XAUTHORITY", "DISPLAY", "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL",
})
_INJECTION_PREFIX = re.compile(r"^(LD_|DYLD_|BASH_FUNC_|GIT_CONFIG|GCONV_|PERL5?(OPT|LIB|DB)|RUBY(OPT|LIB))")
_INJECTION_NAMES = frozenset({
    "BASH_ENV", "ENV", "PROMPT_COMMAND", "PS4", "SHELLOPTS", "BASHOPTS", "GLOBIGNORE", "CDPATH",
    "NODE_OPTIONS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "LOCPATH", "NLSPATH",
    "HOSTALIASES", "LUA_INIT", "ZDOTDIR", "INPUTRC",
})
# Only these PYTHON* variables survive: PYTHONSTARTUP, PYTHONPATH, PYTHONHOME, PYTHONBREAKPOINT... all
# make python run code from elsewhere.
_PYTHON_KEEP = frozenset({"PYTHONUNBUFFERED", "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONDONTWRITEBYTECODE"})
# Git variables that only label commits; every other GIT_* redirects git (GIT_DIR, GIT_SSH_COMMAND,
# GIT_EXEC_PATH, GIT_EXTERNAL_DIFF, GIT_ASKPASS...) to code or data the policy never saw.
_GIT_KEEP = re.compile(r"^GIT_(AUTHOR|COMMITTER)_(NAME|EMAIL|DATE)$")
# scheme://user:password@host in any value (DATABASE_URL, REDIS_URL, a proxy URL...).
_URL_WITH_PASSWORD = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/@\s:]*:[^/@\s]+@")


def is_sensitive(name: str, value: str = "") -> bool:
    """True if the variable must not reach a confined child."""
    upper = name.upper()
    if upper.startswith("PYTHON"):
        return upper not in _PYTHON_KEEP
    if upper.startswith("GIT_"):
        return not _GIT_KEEP.match(upper)
    return bool(
        upper in _CREDENTIAL_HANDLES
        or upper in _INJECTION_NAMES
        or _INJECTION_PREFIX.match(upper)
        or _SECRET_PREFIX.match(upper)
        or _SECRET_NAME.search(upper)
        or _URL_WITH_PASSWORD.search(value)
    )


def scrub_env(env: Mapping[str, str]) -> dict[str, str]:
    """A copy of `env` without secrets and injection hooks; PATH, HOME, LANG, TERM and the like remain."""
    return {k: v for k, v in env.items() if not is_sensitive(k, v)}
