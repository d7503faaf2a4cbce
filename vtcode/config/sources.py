"""Read one configuration file and validate it, turning every failure into a one-line ConfigError."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from vtcode.errors import ConfigError

from .locate import json_key_line, toml_key_line

ModelT = TypeVar("ModelT", bound=BaseModel)

_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


def read_document(path: Path) -> tuple[dict[str, Any], str]:
    """Parse a TOML or JSON file (by suffix) into a dict, keeping the text for error locations."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), f"not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc.strerror}") from exc
    return parse_text(text, str(path), is_json=path.suffix == ".json"), text


def parse_text(text: str, name: str, *, is_json: bool) -> dict[str, Any]:
    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(name, f"malformed JSON: {exc.msg}", line=exc.lineno) from exc
        if not isinstance(data, dict):
            raise ConfigError(name, "the top level must be a JSON object", line=1)
        return data
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        line = int(found.group(1)) if found else None
        raise ConfigError(
            name, f"malformed TOML: {_TOML_POSITION.sub('', message).strip()}", line=line
        ) from exc


def validate_document(
    model: type[ModelT], data: dict[str, Any], name: str, text: str | None, *, is_json: bool = False
) -> ModelT:
    """Validate against `model`; the first error names the file, the dotted key and its line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error_from_validation(exc, name, text, is_json=is_json) from exc


def error_from_validation(exc: ValidationError, name: str, text: str | None, *, is_json: bool) -> ConfigError:
    """The first error, saying how many more there are and how to see them all."""
    errors = validation_errors(exc, name, text, is_json=is_json)
    first = errors[0]
    more = len(errors) - 1
    if not more:
        return first
    hint = f"`vtcode config validate {name}` lists them" if text is not None else "fix this one first"
    return ConfigError(
        name,
        f"{first.detail} (+{more} more error{'s' if more > 1 else ''}: {hint})",
        key=first.key,
        line=first.line,
    )


def validation_errors(
    exc: ValidationError, name: str, text: str | None, *, is_json: bool
) -> list[ConfigError]:
    """Every error of a validation, each naming the file, the dotted key and its line."""
    found = []
    for error in exc.errors():
        key_path = tuple(str(part) for part in error["loc"])
        key = ".".join(key_path) or "(top level)"
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        else:
            message = error["msg"]
            if "input" in error and error["type"] not in {"missing"}:
                message += f" (got {_short(error['input'])})"
        line = None
        if text is not None:
            line = (json_key_line if is_json else toml_key_line)(text, key_path)
        found.append(ConfigError(name, message, key=key, line=line))
    return found


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
