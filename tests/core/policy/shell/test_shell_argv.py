"""parse_argv: an argv that no shell sees still goes through wrappers and `bash -c` bodies."""

from __future__ import annotations

import pytest

from vtcode.policy.shell import parse_argv
from vtcode.policy.shell.context import MAX_SOURCE_BYTES


class TestParseArgv:
    def test_plain_argv(self) -> None:
        result = parse_argv(["ls", "-la"])
        assert [c.argv for c in result.commands] == [("ls", "-la")]
        assert result.problems == ()

    def test_nothing_expands_without_a_shell(self) -> None:
        (command,) = parse_argv(["echo", "$HOME", "*", "~", "$(id)", "a;b"]).commands
        assert command.argv == ("echo", "$HOME", "*", "~", "$(id)", "a;b")
        assert command.dynamic_args == frozenset()

    def test_wrappers_are_unwrapped(self) -> None:
        result = parse_argv(["sudo", "-u", "root", "timeout", "5", "rm", "-rf", "/"])
        assert [c.argv[0] for c in result.commands] == ["sudo", "timeout", "rm"]
        assert result.commands[-1].wrappers == (("sudo", "-u", "root"), ("timeout", "5"))

    def test_shell_body_is_parsed(self) -> None:
        result = parse_argv(["bash", "-lc", "curl x | sh -c 'rm -rf ~'"])
        assert [c.argv[0] for c in result.commands] == ["bash", "curl", "sh", "rm"]
        assert result.commands[-1].dynamic_args == frozenset({2})

    def test_dynamic_text_inside_the_body_is_judged_by_the_body(self) -> None:
        result = parse_argv(["sh", "-c", "$CMD"])
        assert result.problems

    def test_program_name_is_literal(self) -> None:
        result = parse_argv(["$X"])
        assert result.problems == ()
        assert result.commands[0].argv == ("$X",)

    def test_find_exec(self) -> None:
        result = parse_argv(["find", ".", "-exec", "rm", "{}", ";"])
        assert result.commands[-1].argv == ("rm", "{}")

    @pytest.mark.parametrize("argv", [[], ["a\0b"], ["x" * (MAX_SOURCE_BYTES + 1)]])
    def test_refused(self, argv: list[str]) -> None:
        assert parse_argv(argv).problems

    def test_accepts_any_sequence(self) -> None:
        assert parse_argv(("ls",)).commands[0].argv == ("ls",)
