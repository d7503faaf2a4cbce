"""Environment variables that change what later programs run or where they read their configuration.

Setting one is judged the same way wherever it happens: as a prefix (`LD_PRELOAD=x ls`), as a statement
(`PATH=.; ls` — PATH is already exported, so the next `ls` is `./ls`), through `export`/`declare -x`/
`typeset`/`readonly`/`local`, a `for` loop variable, a `${NAME:=value}` expansion, or `read`/`printf -v`.
"""

from __future__ import annotations

import re

# Each family names the trick it stops:
_DANGEROUS = re.compile(
    r"^("
    # the dynamic loader, and shells that source or run a variable's value
    r"LD_\w*|DYLD_\w*|GLIBC_TUNABLES|BASH_ENV|ENV|BASH_FUNC_\w+.*|SHELLOPTS|BASHOPTS|PS\d|PROMPT_COMMAND|"
    r"IFS|SHELL|ZDOTDIR|"
    # bash's own variables that change what it runs or writes: its command hash table (BASH_CMDS) and
    # aliases (BASH_ALIASES), the history file it appends to at exit (HIST*), POSIX mode (aliases on),
    # message catalogs whose text it expands ($"..." with TEXTDOMAINDIR), where it traces to
    r"BASH_\w+|HIST\w*|POSIXLY_CORRECT|TEXTDOMAIN\w*|INPUTRC|EXECIGNORE|"
    # search paths of every kind: PATH, CDPATH, LD_LIBRARY_PATH, PYTHONPATH, GCONV_PATH, LOCPATH...
    r"\w*PATH|"
    # where tools read their configuration (git's ~/.gitconfig, XDG config of everything), and every
    # *HOME/*CONFIG*/*RC that moves a program's configuration directory or file: gpg reads GNUPGHOME's
    # gpg.conf (whose `dirmngr-program` it runs when `git log --show-signature` meets an unknown key),
    # DOCKER_CONFIG, KUBECONFIG, PHPRC, WGETRC, CURL_HOME, CARGO_HOME...
    r"\w*HOME|XDG_\w+|\w+_CONFIG\w*|KUBECONFIG|\w+_CONF|(PHP|WGET|CURL|NPM|MAIL|SCREEN|NET|GEM|IRB|PSQL|GDB)RC|PHP_INI_SCAN_DIR|GCC_EXEC_PREFIX|"
    # files a tool reads and echoes back when they do not parse: `MAGIC=/etc/shadow file x` prints every
    # line of the "magic file"; terminal databases and resolver files are read the same way
    r"MAGIC|TERMINFO\w*|TERMCAP|HOSTALIASES|LOCALDOMAIN|RES_OPTIONS|TZDIR|"
    # git: config, pagers, hooks, the repository it works on (GIT_DIR), trace files it writes (GIT_TRACE)
    r"GIT_\w+|"
    # programs other programs start: pagers, editors, askpass helpers, browsers
    r"PAGER|MANPAGER|SYSTEMD_PAGER|EDITOR|VISUAL|BROWSER|LESS\w*|SSH_ASKPASS\w*|SUDO_ASKPASS|"
    r"VIMINIT|EXINIT|MYVIMRC|EMACSLOADPATH|"
    # interpreters' start-up code and module paths
    r"PYTHON\w+|PERL5\w*|PERLLIB|RUBYOPT|RUBYLIB|NODE_OPTIONS|LUA_INIT\w*|R_PROFILE\w*|R_ENVIRON\w*|NODE_\w*PATH|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|"
    r"JDK_JAVA_OPTIONS|OPENSSL_\w+|RUSTC_WRAPPER|RUSTC_WORKSPACE_WRAPPER|npm_config_\w+|NPM_CONFIG_\w+|"
    # vtcode's own configuration, state and policy locations
    r"VTCODE_\w+"
    r")$"
)
# GIT_* settings that only label or quiet what git does.
_HARMLESS_GIT = re.compile(
    r"^GIT_(TERMINAL_PROMPT|AUTHOR_(NAME|EMAIL|DATE)|COMMITTER_(NAME|EMAIL|DATE)|OPTIONAL_LOCKS|"
    r"MERGE_AUTOEDIT|FLUSH|ADVICE)$"
)


def dangerous_variable(name: str) -> bool:
    """Whether setting `name` can make a later program run code, or read a file, the policy did not see."""
    return bool(_DANGEROUS.match(name)) and not _HARMLESS_GIT.match(name)
