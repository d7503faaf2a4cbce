"""JSON Schemas generated from the config and event models; committed under policies/schemas and checked by
a test. Above both packages, so that neither imports the other."""

from __future__ import annotations

import json

from pydantic import BaseModel

from vtcode.config.models import ManagedConfig, VtcodeConfig
from vtcode.config.tool_policy import ToolPolicyFile

SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "vtcode.toml.schema.json": VtcodeConfig,
    "managed.toml.schema.json": ManagedConfig,
    "tool-policy.schema.json": ToolPolicyFile,
}


def schema_text(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"


def schema_files() -> dict[str, str]:
    from vtcode.events.schema import event_schema_text

    files = {name: schema_text(model) for name, model in SCHEMA_FILES.items()}
    files["exec-events.schema.json"] = event_schema_text()
    return files
