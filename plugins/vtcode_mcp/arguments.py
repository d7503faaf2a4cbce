"""A pydantic model per MCP tool: the model sees the server's input schema, and the core's argument check
(which runs before the policy) validates against that schema with `jsonschema`."""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import jsonschema
from pydantic import BaseModel, ConfigDict, model_validator

MAX_ERRORS = 3


class McpArguments(BaseModel):
    """Base of every tool's arguments: any JSON object that its schema accepts, kept as given."""

    model_config = ConfigDict(extra="allow", frozen=True)
    input_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    validator: ClassVar[Any] = None

    @model_validator(mode="before")
    @classmethod
    def _check_schema(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("arguments must be a JSON object")
        errors = sorted(cls.validator.iter_errors(data), key=lambda e: list(e.path)) if cls.validator else []
        if errors:
            shown = []
            for error in errors[:MAX_ERRORS]:
                where = ".".join(str(p) for p in error.path) or "(arguments)"
                shown.append(f"{where}: {error.message[:200]}")
            raise ValueError("; ".join(shown))
        return data

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return copy.deepcopy(cls.input_schema)

    def arguments(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def arguments_model(tool_name: str, schema: dict[str, Any]) -> type[McpArguments]:
    """The arguments model for one tool. A schema jsonschema cannot use is refused (the tool is not
    offered): a tool whose arguments cannot be checked is not called."""
    schema = dict(schema) if isinstance(schema, dict) else {}
    schema.setdefault("type", "object")
    if schema.get("type") != "object":
        raise ValueError(f"input schema of {tool_name} is not an object schema")
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    safe = "".join(c if c.isalnum() else "_" for c in tool_name)
    namespace = {"input_schema": schema, "validator": validator, "__module__": __name__}
    return type(f"Args_{safe}", (McpArguments,), namespace)
