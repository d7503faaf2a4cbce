"""Docs and tests cannot lag the contract: every hookspec is documented with its exact signature, and
every hookspec has a `test_hook_<name>` somewhere under tests/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import vtcode_hookspecs._specs as specs
from vtcode_hookspecs import HOOK_FAMILIES

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"


def signature(name: str) -> str:
    annotations = dict(getattr(specs, name).__annotations__)
    returns = annotations.pop("return")
    return f"{name}({', '.join(f'{k}: {v}' for k, v in annotations.items())}) -> {returns}"


def test_every_hookspec_is_a_known_family() -> None:
    declared = {name for name in dir(specs) if hasattr(getattr(specs, name), "vtcode_spec")}
    assert declared == set(HOOK_FAMILIES)


@pytest.mark.parametrize("name", sorted(HOOK_FAMILIES))
def test_hookspec_documented_with_exact_signature(name: str) -> None:
    text = "\n".join(p.read_text() for p in DOCS.rglob("*.md"))
    assert f"`{signature(name)}`" in text, f"document `{signature(name)}` in docs/plugins/hooks.md"


@pytest.mark.parametrize("name", sorted(HOOK_FAMILIES))
def test_hookspec_has_a_test(name: str) -> None:
    pattern = re.compile(rf"^def test_hook_{name}\(", re.MULTILINE)
    assert any(pattern.search(p.read_text()) for p in (REPO / "tests").rglob("test_*.py")), (
        f"add test_hook_{name}"
    )
