"""Every command and option of the CLI is documented (the datasette rule): docs/cli.md is generated from the
click tree and must be current, every command has help, every option a help text of its own, every
argument is named in its command's help, and each command's section lists each of its options."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from vtcode.cli.app import cli
from vtcode.cli.reference import arguments, documented_options, reference_markdown, walk

REPO = Path(__file__).resolve().parents[3]
PAGE = REPO / "docs" / "cli.md"
COMMANDS = list(walk(cli, ["vtcode"]))
IDS = [" ".join(path) for path, _, _ in COMMANDS]


def test_the_reference_page_is_current() -> None:
    assert PAGE.read_text(encoding="utf-8") == reference_markdown(), (
        "regenerate: python -m vtcode.cli.reference docs/cli.md"
    )


def test_the_reference_is_in_the_site() -> None:
    assert "cli.md" in (REPO / "mkdocs.yml").read_text(encoding="utf-8")


def test_the_core_commands_are_all_there() -> None:
    names = {path[1] for path, _, _ in COMMANDS if len(path) == 2}
    assert {"exec", "check", "sandbox", "audit", "trust", "plugins", "config", "models", "demo"} <= names


@pytest.mark.parametrize(("path", "command", "ctx"), COMMANDS, ids=IDS)
def test_every_command_has_help(path: list[str], command: click.Command, ctx: click.Context) -> None:
    assert (command.help or command.short_help or "").strip(), f"`{' '.join(path)}` has no help"


@pytest.mark.parametrize(("path", "command", "ctx"), COMMANDS, ids=IDS)
def test_every_option_has_help_of_its_own(
    path: list[str], command: click.Command, ctx: click.Context
) -> None:
    missing = [o.opts[0] for o in documented_options(command) if not (o.help or "").strip()]
    assert missing == [], f"`{' '.join(path)}`: options without help: {missing}"


@pytest.mark.parametrize(("path", "command", "ctx"), COMMANDS, ids=IDS)
def test_every_argument_is_named_in_its_command_s_help(
    path: list[str], command: click.Command, ctx: click.Context
) -> None:
    text = command.help or ""
    missing = [a.human_readable_name for a in arguments(command) if a.human_readable_name not in text]
    assert missing == [], f"`{' '.join(path)}`: say what {missing} is in the command's help"


@pytest.mark.parametrize(("path", "command", "ctx"), COMMANDS, ids=IDS)
def test_each_section_lists_each_option(path: list[str], command: click.Command, ctx: click.Context) -> None:
    page = PAGE.read_text(encoding="utf-8")
    start = page.index(f"`{' '.join(path)}`\n")
    following = page.find("\n#", start)
    section = page[start : following if following != -1 else len(page)]
    for option in documented_options(command):
        assert any(f"{name}" in section for name in option.opts), f"{option.opts} not in {' '.join(path)}"


def test_commands_take_one_command_context() -> None:
    """The workspace, config files, overrides and output mode reach a command as one CommandContext:
    no command callback takes them one by one (they were threaded through 16 signatures)."""
    import inspect

    threaded = [
        " ".join(path)
        for path, command, _ in COMMANDS
        if command.callback is not None
        and {"config_files", "overrides"} & set(inspect.signature(command.callback).parameters)
        and command.callback.__module__.startswith("vtcode.")
    ]
    assert threaded == []


def test_the_command_context_carries_json_and_layers(tmp_path: Path) -> None:
    from vtcode.cli.options import CommandContext

    invocation = CommandContext(tmp_path, (), ("a=1",), as_json=True)
    assert invocation.with_overrides("b=2").overrides == ("a=1", "b=2") and invocation.overrides == ("a=1",)
    assert invocation.root() == tmp_path.resolve()
