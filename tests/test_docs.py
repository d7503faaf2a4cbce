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


def _config_keys() -> list[str]:
    from vtcode.config.merge import section_model
    from vtcode.config.tool_policy import ToolPolicyFile
    from vtcode.schemas import schema_models

    config = schema_models()["vtcode.toml.schema.json"]  # the core's tables and vtcode's plugins' ([mcp])

    def walk(model: type, prefix: str) -> list[str]:
        keys = []
        for key, info in model.model_fields.items():  # type: ignore[attr-defined]
            sub = section_model(info)
            keys += walk(sub, f"{prefix}{key}.") if sub is not None else [f"{prefix}{key}"]
        return keys

    return walk(config, "") + walk(ToolPolicyFile, "")


@pytest.mark.parametrize("key", _config_keys())
def test_config_key_documented(key: str) -> None:
    assert f"| `{key}` |" in (DOCS / "configuration.md").read_text(), (
        f"document {key} in docs/configuration.md"
    )


def _claimed_tests() -> list[tuple[str, str]]:
    """(file, test) pairs named in docs/security: `tests/x.py::test_a` and a following `::test_b`."""
    found = []
    for page in sorted((DOCS / "security").rglob("*.md")):
        for line in page.read_text().splitlines():
            current = None
            for file, name in re.findall(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`", line):
                current = file or current
                if current and name:
                    found.append((current, name))
    return found


def test_security_docs_name_tests() -> None:
    assert len(_claimed_tests()) >= 20


@pytest.mark.parametrize(("file", "name"), _claimed_tests())
def test_security_claim_names_a_real_test(file: str, name: str) -> None:
    source = (REPO / file).read_text()
    assert re.search(rf"^def {name}\(", source, re.MULTILINE), (
        f"{file}::{name} named in docs/security does not exist"
    )
