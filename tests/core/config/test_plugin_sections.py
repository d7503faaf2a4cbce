"""A plugin's own table of vtcode.toml, declared through the `config_sections` hook and validated by the
core's loader like the core's own tables: the same one-line errors naming the file and key (exit 2), the
same layer rules, and an unknown table still an error. `[mcp]` is declared this way by the MCP plugin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vtcode.api import CommandContext
from vtcode.config import load_config
from vtcode.errors import ConfigError
from vtcode.plugins.approvals import record_approval
from vtcode.plugins.config_sections import plugin_sections
from vtcode.plugins.discovery import discover
from vtcode.plugins.integrity import record_digest
from vtcode.workspace import write_trust

# Each malformed [mcp] (or -c) with the exact line the core's own copy of the models printed before the
# table moved to the plugin (captured from the release before; the message must not change).
MALFORMED = [
    ('[mcp.servers.x]\ncommand = ""\n',
     'bad.toml:2: mcp.servers.x.command: String should have at least 1 character (got "")'),
    ("[mcp]\nmax_result_bytes = 1\n",
     "bad.toml:2: mcp.max_result_bytes: Input should be greater than or equal to 1024 (got 1)"),
    ("[mcp]\nbogus = 1\n", "bad.toml:2: mcp.bogus: unknown key"),
    ('[mcp.servers.x]\nurl = "http://127.0.0.1:1/m"\ncommand = "x"\n',
     "bad.toml:1: mcp.servers.x: Value error, give exactly one of command (a stdio server) or url (an HTTP "
     'server) (got {"url": "http://127.0.0.1:1/m", "command": "x"})'),
    ("[bogus]\nx = 1\n", "bad.toml:1: bogus: unknown key"),  # no plugin declares it: unknown, as ever
]


def _vtcode(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-m", "vtcode", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("table", "line"), MALFORMED)
@pytest.mark.parametrize("command", [
    ("config", "show", "--config", "bad.toml"), ("check", "command", "--config", "bad.toml", "--", "ls"),
])
def test_a_malformed_table_fails_closed_with_the_same_line(
    workspace: Path, table: str, line: str, command: tuple[str, ...]
) -> None:
    (workspace / "bad.toml").write_text(table, encoding="utf-8")
    done = _vtcode(*command, cwd=workspace)
    assert done.returncode == 2
    assert done.stderr == f"vtcode: error: {line}\n" and done.stdout == ""


@pytest.mark.parametrize(("override", "line"), [
    ("mcp.max_result_bytes=1", "-c mcp.max_result_bytes=1: mcp.max_result_bytes: Input should be greater "
     "than or equal to 1024 (got 1)"),
    ("bogus.x=1", "-c bogus.x=1: expected KEY=VALUE with a known dotted key, e.g. "
     'sandbox.network.mode="off"'),
])
def test_a_bad_override_of_a_plugin_table_fails_closed(workspace: Path, override: str, line: str) -> None:
    done = _vtcode("config", "show", "-c", override, cwd=workspace)
    assert (done.returncode, done.stderr) == (2, f"vtcode: error: {line}\n")


def test_the_mcp_table_keeps_its_layer_rules(workspace: Path, isolated_user_dirs: Path) -> None:
    """The plugin's markers are the core's rules: servers come from the user's file (a workspace's are
    ignored, said once), the identity lists from the managed file only, a workspace may lower the limit."""
    user = isolated_user_dirs / "config" / "vtcode.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text('[mcp]\nallow = ["sha256:x"]\n[mcp.servers.mine]\ncommand = "srv"\n', encoding="utf-8")
    write_trust(workspace)
    (workspace / "vtcode.toml").write_text(
        '[mcp]\nmax_result_bytes = 2048\n[mcp.servers.theirs]\ncommand = "evil"\n', encoding="utf-8"
    )
    effective = load_config(workspace, sections=plugin_sections)
    mcp = effective.source_setup("mcp").settings
    assert list(mcp["servers"]) == ["mine"] and mcp["allow"] == [] and mcp["max_result_bytes"] == 2048
    assert any("mcp.allow: ignored, only the managed" in n for n in effective.notices)
    assert any("mcp.servers" in n and "workspace" in n for n in effective.notices), effective.notices
    assert effective.sources["mcp.servers.mine"] == "user"
    assert type(effective.config).model_fields["mcp"].annotation.__module__ == "vtcode_mcp.config"


def test_without_plugins_asked_a_plugin_table_is_unknown(workspace: Path) -> None:
    """The loader knows no table of a plugin's by itself: a caller that cannot sign off plugins gets the
    unknown-key error, never an unchecked table."""
    (workspace / "extra.toml").write_text('[mcp]\nlocked = true\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"extra\.toml:1: mcp: unknown key"):
        load_config(workspace, config_files=(workspace / "extra.toml",))


LINT = '''
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from vtcode_hookspecs import hookimpl

from vtcode.api import Rule, Tighten


class LintConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    level: Annotated[int, Field(ge=0, le=5)] = 1
    network: Annotated[bool, Tighten(Rule.MANAGED_ONLY)] = False


@hookimpl
def config_sections():
    return {"lint": LintConfig}
'''

GREEDY = '''
from pydantic import BaseModel
from vtcode_hookspecs import hookimpl


class Mine(BaseModel):
    mode: str = "x"


@hookimpl
def config_sections():
    return {"sandbox": Mine}
'''


def _approve(target: Path, distribution: str) -> None:
    candidate = next(c for c in discover([str(target)]).candidates if c.distribution == distribution)
    record_approval(distribution, candidate.version, record_digest(candidate)[0], ["config"])


def test_hook_config_sections(install_plugins, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    """A third-party plugin, built and installed, declares `[lint]` and receives it validated."""
    target = install_plugins(("vtcode-t-lint", {"vtcode_t_lint": LINT}, {"lint": "vtcode_t_lint"}))
    extra = workspace / "lint.toml"
    extra.write_text("[lint]\nlevel = 3\nnetwork = true\n", encoding="utf-8")
    invocation = CommandContext(workspace, (extra,), ("lint.level=4",))
    # Not signed off yet: its code does not run, and nobody else knows the table.
    with pytest.raises(ConfigError, match=r"lint\.toml:1: lint: unknown key"):
        invocation.load_config()
    _approve(target, "vtcode-t-lint")
    setup = invocation.source_setup("lint")
    # Validated and merged by its model: -c above the file; `network` only from the managed file.
    assert setup.settings == {"level": 4, "network": False}
    assert setup.layers["lint.level"] == "-c lint.level=4"
    assert any("lint.network: ignored, only the managed" in n for n in invocation.load_config().notices)
    extra.write_text("[lint]\nlevel = 9\n", encoding="utf-8")
    with pytest.raises(ConfigError) as bad:
        CommandContext(workspace, (extra,)).load_config()
    assert str(bad.value) == f"{extra}:2: lint.level: Input should be less than or equal to 5 (got 9)"
    extra.write_text("[lint]\nlevel = 2\n[lints]\nx = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"lint\.toml:3: lints: unknown key"):
        CommandContext(workspace, (extra,)).load_config()


def test_a_plugin_may_not_take_a_table_of_the_core(install_plugins, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(("vtcode-t-greedy", {"vtcode_t_greedy": GREEDY}, {"greedy": "vtcode_t_greedy"}))
    _approve(target, "vtcode-t-greedy")
    (workspace / "x.toml").write_text('[mcp]\nlocked = false\n', encoding="utf-8")  # a table to ask about
    with pytest.raises(ConfigError, match=r"plugin 'greedy': sandbox: declares \[sandbox\], a table of"):
        CommandContext(workspace, (workspace / "x.toml",)).load_config()


def test_the_managed_file_sets_and_locks_a_plugin_table(workspace: Path, isolated_user_dirs: Path) -> None:
    """`[mcp]` in the managed file, and `locked` naming its keys, work as for the core's own tables."""
    managed = isolated_user_dirs / "etc" / "managed.toml"
    managed.parent.mkdir(parents=True, exist_ok=True)
    managed.write_text('locked = ["mcp.max_result_bytes"]\n[mcp]\nallow = ["sha256:a"]\nlocked = true\n'
                       "max_result_bytes = 4096\n", encoding="utf-8")
    effective = load_config(workspace, overrides=("mcp.max_result_bytes=8192",), sections=plugin_sections)
    mcp = effective.source_setup("mcp").settings
    assert (mcp["allow"], mcp["locked"], mcp["max_result_bytes"]) == (["sha256:a"], True, 4096)
    assert effective.sources["mcp.max_result_bytes"] == "managed (locked)"
    managed.write_text('locked = ["mcp.nothing"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"locked: locked names an unknown key 'mcp\.nothing'"):
        load_config(workspace, sections=plugin_sections)


def test_every_hook_family_can_be_pinned_and_approved() -> None:
    """A managed pin or an approval names families: the config's list of them is the contract's."""
    from typing import get_args

    from vtcode_hookspecs import FAMILIES

    from vtcode.config.models import Family

    assert sorted(get_args(Family)) == sorted(FAMILIES)
