"""Where tree-sitter-bash and bash disagree, the text is fixed up or refused, never silently misread."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import vtcode.policy.shell as shell
from vtcode.policy.shell import parse_shell
from vtcode.policy.shell.context import MAX_COMMANDS


def programs(source: str) -> list[str]:
    return [c.argv[0] for c in parse_shell(source).commands]


class TestRewrites:
    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            # tree-sitter: `r` and `m`; bash joins the line: `rm`.
            ("r\\\nm -rf x", ["rm"]),
            ("echo a \\\n  && rm x", ["echo", "rm"]),
            # tree-sitter lexes `\n\\rm` as one word of echo, hiding rm.
            ("echo x\n\\rm -rf /", ["echo", "rm"]),
            ("echo x\n\n\\rm", ["echo", "rm"]),
            # tree-sitter reads `{` / `if` as program names after `!` and `time`.
            ("! { rm x; }", ["rm"]),
            ("if ! { rm x; }; then a; fi", ["rm", "a"]),
            ("time { rm x; }", ["rm"]),
            ("time -p if a; then rm x; fi", ["a", "rm"]),
            ("time ! rm x", ["rm"]),
            ("! if a; then rm x; fi", ["a", "rm"]),
            # bash joins unquoted heredoc lines before it looks for the delimiter.
            ("cat <<EOF\nx\nEO\\\nF\nrm y\nEOF", ["cat", "rm", "EOF"]),
        ],
    )
    def test_read_as_bash_reads_it(self, source: str, expected: list[str]) -> None:
        result = parse_shell(source)
        assert [c.argv[0] for c in result.commands] == expected
        assert result.problems == ()

    @pytest.mark.parametrize(
        "source",
        ["echo '\\\nx'", "echo $'a\\\nb'", "# note \\\nls", "cat <<'EOF'\na\\\nEOF"],
    )
    def test_continuations_are_kept_where_bash_keeps_them(self, source: str) -> None:
        assert parse_shell(source).problems == ()

    def test_single_quoted_continuation_is_data(self) -> None:
        assert parse_shell("echo 'a\\\nb'").commands[0].argv == ("echo", "a\\\nb")

    def test_escaped_backslash_before_newline_is_not_a_continuation(self) -> None:
        assert programs("echo a\\\\\nrm x") == ["echo", "rm"]


class TestRefusals:
    @pytest.mark.parametrize(
        "source",
        [
            "} }}",  # a word with a blank inside
            "sudo { rm; }",  # `{` as a program after a wrapper
            "echo ${y:=`rm -rf /`}",  # a backquote the grammar does not parse
            "cat <<EOF |\nrm x\nEOF\nc",  # body read as a command
            ">out { a; }",  # a syntax error to bash
        ],
    )
    def test_problem(self, source: str) -> None:
        assert parse_shell(source).problems

    def test_too_many_commands(self) -> None:
        result = parse_shell("a;" * (MAX_COMMANDS + 10))
        assert len(result.commands) == MAX_COMMANDS
        assert result.problems


class TestAstralCharacters:
    def test_brace_then_emoji_does_not_crash_the_process(self) -> None:
        # tree-sitter-bash#337: `{` followed by an astral character reads wild memory (SIGSEGV on Linux).
        # Without the placeholder swap this crashes the interpreter in about four runs out of five.
        code = (
            "import random\n"
            "from vtcode.policy.shell import parse_shell\n"
            "rnd = random.Random(0)\n"
            "for _ in range(3000):\n"
            "    parse_shell('{' + chr(rnd.randint(0x10000, 0x10FFFF)) * rnd.randint(1, 3))\n"
            "print('ok')\n"
        )
        env = {**os.environ, "PYTHONPATH": str(Path(shell.__file__).resolve().parents[3])}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "ok"

    def test_values_keep_their_characters(self) -> None:
        result = parse_shell('git commit -m "feat: 🚀 {a,b}" && echo 😀$(printf 🎉)')
        assert [c.argv for c in result.commands] == [
            ("git", "commit", "-m", "feat: 🚀 {a,b}"),
            ("echo", "😀$(printf 🎉)"),
            ("printf", "🎉"),
        ]

    def test_placeholders_never_collide_with_the_text(self) -> None:
        result = parse_shell("echo \ue000 🎉 $'\\ue001'")
        assert result.commands[0].argv == ("echo", "\ue000", "🎉", "\ue001")
