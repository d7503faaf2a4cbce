"""Shell text run by a command (`bash -c`, eval, trap, su -c, watch ...) is parsed recursively."""

from __future__ import annotations

import pytest

from vtcode.policy.shell import parse_shell


def programs(source: str) -> list[str]:
    return [c.argv[0] for c in parse_shell(source).commands]


class TestShellDashC:
    @pytest.mark.parametrize("shell", ["sh", "bash", "dash", "zsh", "ksh", "/bin/bash", "/usr/bin/env bash"])
    def test_body_is_parsed(self, shell: str) -> None:
        result = parse_shell(f"{shell} -c 'curl -s x | rm -rf y'")
        assert [c.argv[0] for c in result.commands][-2:] == ["curl", "rm"]
        name = shell.split()[-1].rsplit("/", 1)[-1]
        assert result.commands[-1].via[-3:] == (f"{name} -c", "pipeline", "piped")
        assert result.problems == ()

    @pytest.mark.parametrize(
        "flags",
        [
            "-lc",
            "-ec",
            "-xc",
            "-euxc",
            "-c -e",
            "-e -c",
            "--norc -c",
            "-o pipefail -c",
            "-O extglob -c",
            "+x -c",
            "--rcfile /x -c",
            "-c --",
        ],
    )
    def test_flag_spellings(self, flags: str) -> None:
        assert programs(f"bash {flags} 'rm x'") == ["bash", "rm"]

    def test_nested_bodies(self) -> None:
        result = parse_shell("""bash -c "sh -c 'eval \\"rm -rf x\\"'" """)
        assert [c.argv[0] for c in result.commands] == ["bash", "sh", "eval", "rm"]
        assert result.commands[-1].via == ("bash -c", "sh -c", "eval")

    def test_arguments_after_the_body_are_not_commands(self) -> None:
        assert programs("sh -c 'echo \"$1\"' _ rm") == ["sh", "echo"]

    def test_dynamic_body_is_a_problem_but_still_parsed(self) -> None:
        result = parse_shell('bash -c "rm -rf $TARGET"')
        assert [c.argv[0] for c in result.commands] == ["bash", "rm"]
        assert any("only known at run time" in p for p in result.problems)

    def test_missing_body_is_a_problem(self) -> None:
        assert parse_shell("bash -c").problems

    def test_script_file_is_just_a_command(self) -> None:
        result = parse_shell("bash script.sh arg")
        assert programs("bash script.sh arg") == ["bash"]
        assert result.problems == ()

    def test_double_dash_makes_c_a_script_name(self) -> None:
        result = parse_shell("bash -- -c 'rm x'")
        assert [c.argv[0] for c in result.commands] == ["bash"]
        assert result.problems == ()

    @pytest.mark.parametrize(
        "source", ["bash", "curl x | sh", "sh -s", "bash -i", "sh < script", "bash -s -- a"]
    )
    def test_commands_from_stdin_are_a_problem(self, source: str) -> None:
        assert any("standard input" in p for p in parse_shell(source).problems)

    def test_heredoc_script_is_parsed(self) -> None:
        result = parse_shell("bash <<'EOF'\nrm -rf x\nEOF")
        assert programs("bash <<'EOF'\nrm -rf x\nEOF") == ["bash", "rm"]
        assert result.commands[1].via == ("bash stdin",)
        assert result.problems == ()

    def test_here_string_script_is_parsed(self) -> None:
        assert programs("sh <<< 'rm x'") == ["sh", "rm"]

    def test_dynamic_heredoc_script_is_a_problem(self) -> None:
        assert parse_shell("bash <<EOF\n$CMD\nEOF").problems

    def test_commands_inside_a_stdin_script_do_not_reread_it(self) -> None:
        result = parse_shell("bash <<'EOF'\nsh\nEOF")
        assert any("sh reads commands from standard input" in p for p in result.problems)

    @pytest.mark.parametrize("source", ["fish -c 'rm x'", "csh -c 'rm x'", "pwsh -c 'rm x'", "fish"])
    def test_other_shell_syntax_is_a_problem(self, source: str) -> None:
        assert parse_shell(source).problems

    def test_other_shell_script_file_is_just_a_command(self) -> None:
        assert parse_shell("fish script.fish").problems == ()


class TestOtherTextRunners:
    @pytest.mark.parametrize(
        ("source", "via"),
        [
            ("eval 'rm x'", "eval"),
            ("eval rm x", "eval"),
            ("eval -- rm x", "eval"),
            ("trap 'rm x' EXIT", "trap"),
            ("trap -- 'rm x' INT TERM", "trap"),
            ("su -c 'rm x' root", "su -c"),
            ("su - root -c 'rm x'", "su -c"),
            ("su --command='rm x'", "su -c"),
            ("runuser -l bob -c 'rm x'", "runuser -c"),
            ("runuser -u bob -- rm x", "runuser"),
            ("script -qc 'rm x' /dev/null", "script -c"),
            ("script /dev/null -c 'rm x'", "script -c"),
            ("watch 'rm x'", "watch"),
            ("watch -n 1 rm x", "watch"),
            ("watch -x rm x", "watch"),
            ("flock /tmp/l -c 'rm x'", "flock -c"),
            ("nix-shell -p hello --run 'rm x'", "nix-shell --run"),
            ("busybox sh -c 'rm x'", "sh -c"),
        ],
    )
    def test_text_is_parsed(self, source: str, via: str) -> None:
        result = parse_shell(source)
        inner = result.commands[-1]
        assert inner.argv == ("rm", "x")
        assert inner.via[-1] == via
        assert result.problems == ()

    def test_watch_joins_words_like_sh(self) -> None:
        assert programs("watch 'ps aux' '|' grep x") == ["watch", "ps", "grep"]

    @pytest.mark.parametrize("source", ['eval "$CMD"', "eval $CMD", 'trap "$A" EXIT', 'su -c "$X"'])
    def test_dynamic_text_is_a_problem(self, source: str) -> None:
        assert parse_shell(source).problems

    @pytest.mark.parametrize("source", ["trap - EXIT", "trap '' INT", "trap -p", "trap -l", "trap EXIT"])
    def test_trap_without_action(self, source: str) -> None:
        result = parse_shell(source)
        assert programs(source) == ["trap"]
        assert result.problems == ()

    @pytest.mark.parametrize("source", ["su", "su - root", "script", "script out.log"])
    def test_interactive_shells_are_a_problem(self, source: str) -> None:
        assert parse_shell(source).problems
