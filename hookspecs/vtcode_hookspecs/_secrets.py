"""Credential stores under a home directory that every sandbox backend keeps unreadable.

One list for all backends, so a store hidden on Linux is hidden on macOS too. Paths are relative to a
home directory; entries that do not exist on a platform cost nothing. A directory entry hides its
whole tree.
"""

from __future__ import annotations

SANDBOX_HOME_SECRETS: tuple[str, ...] = (
    # Keys and cloud credentials.
    ".ssh", ".gnupg", ".aws", ".azure", ".kube", ".docker", ".netrc", ".git-credentials",
    ".config/git/credentials", ".pypirc", ".npmrc", ".yarnrc", ".gem/credentials", ".cargo/credentials",
    ".cargo/credentials.toml", ".password-store", ".vault-token", ".terraform.d", ".config/gh",
    ".config/gcloud", ".config/hub", ".config/op", ".local/share/keyrings",
    # vtcode's own configuration (provider keys) and data (sessions, audit logs): Linux, then macOS.
    ".config/vtcode", ".local/share/vtcode", "Library/Application Support/vtcode",
    # Browsers: cookies and saved passwords.
    ".mozilla", ".config/google-chrome", ".config/chromium", "Library/Application Support/Google/Chrome",
    "Library/Application Support/Chromium", "Library/Application Support/Firefox",
    "Library/Application Support/BraveSoftware", "Library/Safari", "Library/Cookies",
    # macOS: the login keychain, mail, messages and the privacy database.
    "Library/Keychains", "Library/Mail", "Library/Messages", "Library/Application Support/com.apple.TCC",
    # Shell and REPL histories: commands typed with tokens in them.
    ".bash_history", ".zsh_history", ".zsh_sessions", ".python_history", ".psql_history", ".mysql_history",
    ".node_repl_history",
)
