"""A pydantic model per MCP tool: the model sees the server's input schema, and the core's argument check
(which runs before the policy) validates against that schema with `jsonschema`.

The schema is the server's, so the check is built to be safe to run in vtcode's own (unconfined) process:
references resolve only inside the schema (never fetched: a `$ref` to a URL or `file://` would make vtcode
do the I/O a confined server may not), regular expressions run under a timeout (Python's `re` cannot be
stopped), and a check that fails for any reason refuses the call instead of crashing the turn."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import jsonschema
import regex
from jsonschema.exceptions import ValidationError as SchemaError
from pydantic import BaseModel, ConfigDict, model_validator
from referencing import Registry
from referencing.exceptions import NoSuchResource

MAX_ERRORS = 3
MAX_SCHEMA_BYTES = 64 * 1024  # sent with every model request: a bigger one is not offered
CHECK_BUDGET_S = 1.0  # for every regular expression of one argument check together: past it, refused
_budget = threading.local()
REF_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")


class PatternTimeout(ValueError):
    """A schema's regular expression took too long on the arguments: the call is refused."""


def _search(pattern: str, text: str) -> bool:
    left = getattr(_budget, "deadline", time.monotonic() + CHECK_BUDGET_S) - time.monotonic()
    try:
        if left <= 0:
            raise TimeoutError
        return regex.search(pattern, text, flags=regex.VERSION0, timeout=left) is not None
    except TimeoutError:
        raise PatternTimeout(f"the schema's regular expressions took over {CHECK_BUDGET_S}s on the value "
                             f"checked (at {pattern[:80]!r})") from None


# jsonschema's own keywords, with the regular expression matched by `_search` (the same semantics).
def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[SchemaError]:
    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield SchemaError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: dict[str, Any], instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, extra: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [k for k in instance if k not in properties and not any(_search(p, k) for p in patterns)]
    if validator.is_type(extra, "object"):
        for key in extras:
            yield from validator.descend(instance[key], extra, path=key)
    elif not extra and extras:
        yield SchemaError(f"Additional properties are not allowed ({', '.join(map(repr, sorted(extras)))})")


def _no_retrieval(uri: str) -> Any:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # an attrs class mypy cannot read


# An attrs class mypy cannot read; one registry for every tool (it is immutable).
_NO_RETRIEVAL: Registry[Any] = Registry(retrieve=_no_retrieval)  # type: ignore[call-arg]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in REF_KEYS and isinstance(value, str):
                yield value
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


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
        errors = bounded_errors(cls.validator, data) if cls.validator else []
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


def safe_validator(what: str, schema: dict[str, Any]) -> Any:
    """A validator for a server's schema (`what` names it in errors) that is safe to run in vtcode's own
    process: no reference leaves the schema (nothing is fetched or read), regular expressions run under
    the check's budget (`bounded_errors`). A ValueError when the schema cannot be used."""
    if len(json.dumps(schema, default=str)) > MAX_SCHEMA_BYTES:
        raise ValueError(f"{what} is over {MAX_SCHEMA_BYTES} bytes")
    outside = next((r for r in _refs(schema) if not r.startswith("#")), None)
    if outside is not None:
        raise ValueError(f"{what} refers outside itself ({outside[:100]!r}): "
                         "vtcode never fetches a reference")
    keys = set(_keys(schema))
    if "unevaluatedProperties" in keys and "patternProperties" in keys:
        raise ValueError(f"{what} mixes unevaluatedProperties and patternProperties")
    base = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    base.check_schema(schema)
    cls = jsonschema.validators.extend(base, {"pattern": _pattern, "patternProperties": _pattern_properties,
                                              "additionalProperties": _additional_properties})
    # No retrieval: a reference resolves inside this schema or not at all (never a URL, never a file).
    return cls(schema, format_checker=base.FORMAT_CHECKER, registry=_NO_RETRIEVAL)


def bounded_errors(validator: Any, instance: Any) -> list[Any]:
    """The validator's errors for `instance`, sorted by path, in bounded time and depth: a check that
    cannot finish (a pattern past the budget, a `$ref` cycle, nesting too deep, a broken schema) is a
    ValueError, never a crash or a hang."""
    _budget.deadline = time.monotonic() + CHECK_BUDGET_S
    try:
        return sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    except PatternTimeout:
        raise
    except RecursionError:
        raise ValueError("the value nests too deeply for the schema (or it refers to itself without end)"
                         ) from None
    except Exception as exc:  # the server's schema broke the check: refused, never run
        raise ValueError(f"the schema cannot check this value: {type(exc).__name__}: {str(exc)[:200]}"
                         ) from None
    finally:
        del _budget.deadline


def arguments_model(tool_name: str, schema: dict[str, Any]) -> type[McpArguments]:
    """The arguments model for one tool. A schema jsonschema cannot use is refused (the tool is not
    offered): a tool whose arguments cannot be checked is not called."""
    schema = dict(schema) if isinstance(schema, dict) else {}
    schema.setdefault("type", "object")
    if schema.get("type") != "object":
        raise ValueError(f"input schema of {tool_name} is not an object schema")
    validator = safe_validator(f"input schema of {tool_name}", schema)
    safe = "".join(c if c.isalnum() else "_" for c in tool_name)
    namespace = {"input_schema": schema, "validator": validator, "__module__": __name__}
    return type(f"Args_{safe}", (McpArguments,), namespace)
