"""The committed JSON Schemas are exactly what the models generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vtcode.paths import policies_dir
from vtcode.schemas import schema_files


@pytest.mark.parametrize("name", sorted(schema_files()))
def test_committed_schema_matches_models(name: str) -> None:
    committed = policies_dir() / "schemas" / name
    assert committed.read_text() == schema_files()[name], (
        f"regenerate: vtcode config schema --write {committed.parent}"
    )


def test_schema_forbids_unknown_keys() -> None:
    schema = json.loads(schema_files()["vtcode.toml.schema.json"])
    assert schema["additionalProperties"] is False


def test_shipped_policy_files_validate() -> None:
    from vtcode.config import ToolPolicyFile, VtcodeConfig
    from vtcode.config.sources import read_document, validate_document

    for name, model in (("vtcode.toml", VtcodeConfig), ("tool-policy.json", ToolPolicyFile)):
        data, text = read_document(Path(policies_dir() / name))
        validate_document(model, data, name, text, is_json=name.endswith(".json"))
