"""The public face: frozen values, a small import, a parser that is loaded lazily and per thread."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import vtcode.policy.shell as shell
from vtcode.policy.shell import ParseResult, Redirect, SimpleCommand, parse_shell


class TestSurface:
    def test_all(self) -> None:
        assert sorted(shell.__all__) == [
            "ParseResult",
            "Redirect",
            "SimpleCommand",
            "parse_argv",
            "parse_shell",
        ]

    @pytest.mark.parametrize(
        "value", [Redirect(">", "x", None, True, False), SimpleCommand(("ls",)), ParseResult((), ())]
    )
    def test_values_are_frozen(self, value: object) -> None:
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.argv = ()  # type: ignore[attr-defined]

    def test_results_are_hashable_and_comparable(self) -> None:
        assert hash(parse_shell("a | b")) == hash(parse_shell("a | b"))

    def test_name_strips_the_directory(self) -> None:
        assert SimpleCommand(("/usr/bin/rm", "x")).name == "rm"
        assert SimpleCommand(()).name == ""

    def test_understood(self) -> None:
        assert parse_shell("ls").understood
        assert not parse_shell("$X").understood

    def test_empty_string_runs_nothing(self) -> None:
        assert parse_shell("") == ParseResult((), ())
        assert parse_shell("  # just a comment\n") == ParseResult((), ())


class TestCost:
    def test_import_does_not_load_the_grammar(self) -> None:
        code = "import sys, vtcode.policy.shell; print('tree_sitter' in sys.modules)"
        root = Path(shell.__file__).resolve().parents[3]
        env = {**os.environ, "PYTHONPATH": str(root)}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        assert out.stdout.strip() == "False"

    def test_each_thread_gets_its_own_parser(self) -> None:
        sources = [f"a{i} | b{i} && c{i} $(d{i})" for i in range(40)]
        expected = {s: parse_shell(s) for s in sources}
        failures: list[str] = []

        def work() -> None:
            for _ in range(20):
                for source in sources:
                    if parse_shell(source) != expected[source]:
                        failures.append(source)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
