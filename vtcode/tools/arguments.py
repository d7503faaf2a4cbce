"""Turn a model's tool-call arguments into a validated pydantic object, or a one-line error naming the
argument; and find which arguments are paths (marked ReadPath / WritePath in the contract)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError


class ArgumentError(ValueError):
    """The arguments do not fit the tool's model; the message goes back to the model as the result."""


def parse_arguments(model: type[BaseModel], raw: str | dict[str, Any]) -> BaseModel:
    if isinstance(raw, str):
        try:
            data = json.loads(raw or "{}")
        except json.JSONDecodeError as exc:
            raise ArgumentError(f"arguments are not valid JSON: {exc.msg} at position {exc.pos}") from exc
        except RecursionError:  # a model's `[[[[...` thousands deep: a refusal, never the agent's crash
            raise ArgumentError("arguments are nested too deeply") from None
    else:
        data = raw
    if not isinstance(data, dict):
        raise ArgumentError("arguments must be a JSON object")
    try:
        return model.model_validate(data)
    except RecursionError:
        raise ArgumentError("arguments are nested too deeply") from None
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:5]:
            where = ".".join(str(p) for p in error["loc"]) or "(arguments)"
            message = "unknown argument" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{where}: {message}")
        raise ArgumentError("; ".join(problems)) from exc


def path_arguments(args: BaseModel) -> list[tuple[str, bool]]:
    """(value, written) for every argument whose field is marked as a path."""
    found = []
    for name, info in type(args).model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        kind = extra.get("x-vtcode-path")
        if kind is None:
            for meta in info.metadata:
                meta_extra = getattr(meta, "json_schema_extra", None)
                if isinstance(meta_extra, dict) and "x-vtcode-path" in meta_extra:
                    kind = meta_extra["x-vtcode-path"]
        value = getattr(args, name)
        if kind in ("read", "write") and isinstance(value, str):
            found.append((value, kind == "write"))
    return found
