"""Differential check against real bash: bash's own pretty-printer (`declare -f`) normalises quoting, line
continuations and redirections; parsing its output and the original must give the same commands.

Only a fixed corpus written here is ever handed to bash, inside a function that is never called.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from vtcode.policy.shell import ParseResult, parse_shell

BASH = shutil.which("bash") or shutil.which("bash", path="/bin:/usr/bin")

CORPUS = [
    "a; b && c || d | e",
    "r\\\nm -rf x",
    "echo a\\\nb; c",
    "echo >f b",
    ">f rm x",
    "x=1 >o y",
    "r''m x",
    '"r"m x',
    "$'\\x72m' x",
    "\\rm x",
    "a\\ b c",
    "echo $(a; b) `c`",
    "echo `a \\`b\\``",
    'echo "`a \\"b\\"`"',
    "a | b |& c",
    "! a",
    "! { a; b; }",
    "time { a; }",
    "{ a; b; } > o 2>&1",
    "(a) && (b)",
    "case x in (a) b;; c) d;; esac",
    "if a; then b; elif c; then d; else e; fi",
    "while a; do b; done < <(c)",
    "for i in $(a); do b; done",
    "f2() { g; }",
    "cat <<EOF\n$(a)\nEOF\nb",
    "cat <<'EOF'\n$(a)\nEOF\nb",
    "cat <<-EOF\n\tx\n\tEOF\nb",
    "cat <<EOF | c\nx\nEOF",
    "x=$(cat <<EOF\n)\nEOF\n); y",
    'echo "$(a ")" b)"',
    "a <(b) >(c)",
    "echo ${x:-$(a)}",
    "echo $(# )\na)",
    "echo $(case x in a) b;; esac)",
    "export a=$(b) c",
    "a 2>&1 >/dev/null | b",
    "echo x\n\\rm -rf y",
    "cat <<EOF\nline\nEO\\\nF\necho after\nEOF",
    "sudo -u root env A=1 timeout 5 rm -rf x",
    "bash -c 'a | b'",
    "find . -exec rm {} \\;",
]


def _canonical(source: str) -> str:
    assert BASH is not None
    script = f"f() {{\n{source}\n}}\ndeclare -f f\n"
    out = subprocess.run(
        [BASH, "--norc", "--noprofile", "-c", script],
        capture_output=True,
        text=True,
        env={"PATH": "/nonexistent"},
        timeout=10,
        check=True,
    )
    lines = out.stdout.split("\n")
    assert lines[0].startswith("f ()") and lines[1].strip() == "{", out.stdout
    return "\n".join(lines[2:]).rstrip().removesuffix("}")


def _shapes(result: ParseResult) -> list[tuple[str, ...]]:
    """Argv with run-time words blanked: bash reprints the text of substitutions in its own layout."""
    return sorted(
        tuple("<dynamic>" if i in c.dynamic_args else arg for i, arg in enumerate(c.argv))
        for c in result.commands
    )


@pytest.mark.skipif(BASH is None and sys.platform != "linux", reason="bash is not installed")
@pytest.mark.parametrize("source", CORPUS)
def test_same_commands_as_bash_reads_them(source: str) -> None:
    assert BASH is not None, "bash is the oracle here: install it"
    ours = parse_shell(source)
    theirs = parse_shell(_canonical(source))
    if theirs.problems:
        pytest.skip("bash's layout of this text is itself not understood (e.g. `|` before a heredoc body)")
    if ours.problems:
        # Refused: acceptable, as long as nothing bash sees is missing from what is reported.
        assert {c.argv[0] for c in theirs.commands} <= {c.argv[0] for c in ours.commands}
    else:
        assert _shapes(ours) == _shapes(theirs)
