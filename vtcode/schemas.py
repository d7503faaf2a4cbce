"""JSON Schemas generated from the config and event models; committed under policies/schemas and checked by
a test. Above both packages, so that neither imports the other."""

from __future__ import annotations

import json

from pydantic import BaseModel

from vtcode.config.layers import with_sections
from vtcode.config.tool_policy import ToolPolicyFile


def schema_models() -> dict[str, type[BaseModel]]:
    """The files' models; vtcode.toml's and managed.toml's with the tables vtcode's own plugins declare
    (`[mcp]`), so an editor checks those too."""
    from vtcode.plugins.config_sections import builtin_sections

    config, managed = with_sections(builtin_sections())
    return {
        "vtcode.toml.schema.json": config,
        "managed.toml.schema.json": managed,
        "tool-policy.schema.json": ToolPolicyFile,
    }


def schema_text(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"


def schema_files() -> dict[str, str]:
    from vtcode.events.schema import event_schema_text

    files = {name: schema_text(model) for name, model in schema_models().items()}
    files["exec-events.schema.json"] = event_schema_text()
    return files
