"""Redirection targets are paths for the path policy, with whether they write."""

from __future__ import annotations

import pytest

from vtcode.policy.shell import Redirect, parse_shell


def redirects(source: str) -> tuple[Redirect, ...]:
    result = parse_shell(source)
    assert result.commands, result
    return result.commands[0].redirects


class TestOperators:
    @pytest.mark.parametrize(
        ("source", "op", "fd"),
        [
            ("echo x > out", ">", None),
            ("echo x >> out", ">>", None),
            ("echo x &> out", "&>", None),
            ("echo x &>> out", "&>>", None),
            ("echo x >| out", ">|", None),
            ("echo x 1> out", ">", 1),
            ("echo x 2> out", ">", 2),
            ("echo x 2>> out", ">>", 2),
            ("echo x >& out", ">&", None),
        ],
    )
    def test_writes(self, source: str, op: str, fd: int | None) -> None:
        assert redirects(source) == (Redirect(op, "out", fd, writes=True, dynamic=False),)

    def test_read(self) -> None:
        assert redirects("cat < in") == (Redirect("<", "in", None, writes=False, dynamic=False),)

    @pytest.mark.parametrize("source", ["a 2>&1", "a >&2", "a 3<&0", "a <&3-", "a 2>&-", "a 3<&-"])
    def test_descriptor_duplication_is_not_a_path(self, source: str) -> None:
        (redirect,) = redirects(source)
        assert redirect.target == ""
        assert not redirect.writes

    def test_read_write_is_refused_by_the_grammar(self) -> None:
        # tree-sitter-bash has no `<>`; the string is never allowable rather than misread.
        assert parse_shell("exec 3<>file").problems

    def test_quotes_are_removed_from_targets(self) -> None:
        assert redirects("echo x > 'my file'")[0].target == "my file"

    @pytest.mark.parametrize("target", ["$HOME/x", "~/x", "*.log", "$(mktemp)", '"$OUT"'])
    def test_dynamic_targets(self, target: str) -> None:
        assert redirects(f"echo x > {target}")[0].dynamic

    def test_ambiguous_dup_with_dynamic_word_counts_as_write(self) -> None:
        assert redirects("echo x >& $T")[0].writes


class TestPlacement:
    def test_redirect_before_the_program(self) -> None:
        result = parse_shell(">out rm -rf x")
        assert result.commands[0].argv == ("rm", "-rf", "x")
        assert result.commands[0].redirects[0].target == "out"

    def test_words_after_a_redirect_are_arguments(self) -> None:
        # tree-sitter hangs `b` on the redirect as a second destination; bash passes it to echo.
        result = parse_shell("echo a >f b")
        assert result.commands[0].argv == ("echo", "a", "b")
        assert result.commands[0].redirects == (Redirect(">", "f", None, True, False),)

    def test_group_redirect_applies_to_every_command_inside(self) -> None:
        result = parse_shell("{ a; b; } > out")
        assert all(c.redirects[0].target == "out" for c in result.commands)

    def test_function_redirect_applies_to_its_body(self) -> None:
        assert parse_shell("f() { a; } > out").commands[0].redirects[0].target == "out"

    def test_loop_redirect_applies_to_its_body(self) -> None:
        result = parse_shell("while read l; do b; done < in")
        assert [c.redirects[0].target for c in result.commands] == ["in", "in"]

    def test_wrapped_command_inherits_redirects(self) -> None:
        result = parse_shell("sudo tee x > /etc/passwd")
        assert [c.redirects[0].target for c in result.commands] == ["/etc/passwd", "/etc/passwd"]

    def test_redirect_with_no_command_is_still_reported(self) -> None:
        result = parse_shell("> /etc/passwd")
        assert result.commands == ()
        assert result.redirects == (Redirect(">", "/etc/passwd", None, True, False),)

    def test_all_redirects_are_collected_once(self) -> None:
        result = parse_shell("{ a > x; b; } > y 2>&1; c < z")
        assert [r.target for r in result.redirects] == ["y", "", "x", "z"]

    def test_redirect_inside_substitution_is_collected(self) -> None:
        result = parse_shell("echo $(< secret)")
        assert Redirect("<", "secret", None, False, False) in result.redirects


class TestHeredocsAndHereStrings:
    def test_quoted_heredoc_body(self) -> None:
        (redirect,) = redirects("cat <<'EOF'\n$HOME\nEOF")
        assert redirect == Redirect("<<", "", None, False, False, "$HOME\n")

    def test_unquoted_heredoc_body_is_dynamic(self) -> None:
        (redirect,) = redirects("cat <<EOF\n$HOME \\$x\nEOF")
        assert redirect.dynamic
        assert redirect.body == "$HOME $x\n"

    def test_tab_stripping_heredoc(self) -> None:
        (redirect,) = redirects("cat <<-EOF\n\t\tx\n\tEOF")
        assert redirect.op == "<<-"
        assert redirect.body == "x\n"

    def test_heredoc_with_a_file_redirect(self) -> None:
        ops = [r.op for r in redirects("cat <<EOF > out\nx\nEOF")]
        assert ops == ["<<", ">"]

    def test_here_string(self) -> None:
        assert redirects("cat <<< 'a b'") == (Redirect("<<<", "", None, False, False, "a b"),)

    def test_dynamic_here_string(self) -> None:
        assert redirects('cat <<< "$x"')[0].dynamic

    def test_body_read_as_a_command_by_mistake_is_a_problem(self) -> None:
        # bash: body `x`, then `c` reads it through the pipe. tree-sitter: `x` is a command.
        assert parse_shell("cat <<EOF |\nx\nEOF\nc").problems

    def test_unterminated_heredoc_is_a_problem(self) -> None:
        assert parse_shell("cat <<EOF\nrm -rf /").problems
