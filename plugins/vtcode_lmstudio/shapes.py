"""LM Studio's three model lists, read into `ModelInfo`s: its v1 REST API (LM Studio 0.4.0+), its v0
REST API (0.3.6+) and the OpenAI-compatible /v1/models (any version). Shapes as LM Studio documents them:
https://lmstudio.ai/docs/developer/rest/list and https://lmstudio.ai/docs/developer/rest/endpoints.

Only chat models are kept: embedding models cannot answer a chat request.
"""

from __future__ import annotations

from typing import Any, Literal

from vtcode_hookspecs import ModelInfo, ProviderError

ApiVersion = Literal["v1", "v0", "openai"]
# Where each version lists its models, relative to the server's root (the base URL without /v1).
LIST_PATHS: dict[ApiVersion, str] = {"v1": "/api/v1/models", "v0": "/api/v0/models", "openai": "/v1/models"}
_V0_CHAT_TYPES = ("llm", "vlm")


def answered(version: ApiVersion, data: Any) -> bool:
    """Whether `data` is that version's list. Some LM Studio versions answer an unknown path with
    200 and `{"error": "Unexpected endpoint or method. ..."}`: that is a missing endpoint, not a list."""
    if not isinstance(data, dict):
        return False
    key = "models" if version == "v1" else "data"
    return isinstance(data.get(key), list)


def parse(version: ApiVersion, data: Any) -> list[ModelInfo]:
    if not answered(version, data):
        key = "models" if version == "v1" else "data"
        raise ProviderError(
            f"LM Studio's model list ({LIST_PATHS[version]}) has no `{key}` list", kind="protocol"
        )
    if version == "v1":
        return [m for item in data["models"] if (m := _v1(item)) is not None]
    if version == "v0":
        return [m for item in data["data"] if (m := _v0(item)) is not None]
    return [m for item in data["data"] if (m := _openai(item)) is not None]


def _v1(item: Any) -> ModelInfo | None:
    """`{"type": "llm", "key", "display_name", "size_bytes", "loaded_instances": [{"id", "config":
    {"context_length"}}], "max_context_length", "capabilities": {"trained_for_tool_use"}}`."""
    if not isinstance(item, dict) or item.get("type") != "llm" or not _text(item.get("key")):
        return None
    instances = [i for i in item.get("loaded_instances") or [] if isinstance(i, dict)]
    maximum = _count(item.get("max_context_length"))
    window = None
    if instances:
        config = instances[0].get("config")
        window = _count(config.get("context_length")) if isinstance(config, dict) else None
    capabilities = item.get("capabilities")
    tools = capabilities.get("trained_for_tool_use") if isinstance(capabilities, dict) else None
    return ModelInfo(
        id=item["key"],
        context_length=window or maximum,
        loaded=bool(instances),
        tool_use=tools if isinstance(tools, bool) else None,
        max_context_length=maximum,
        size_bytes=_count(item.get("size_bytes")),
        display_name=_text(item.get("display_name")),
    )


def _v0(item: Any) -> ModelInfo | None:
    """`{"id", "type": "llm" | "vlm" | "embeddings", "state": "loaded" | "not-loaded",
    "max_context_length", "loaded_context_length"?, "capabilities": ["tool_use"]?}`."""
    if (
        not isinstance(item, dict)
        or item.get("type", "llm") not in _V0_CHAT_TYPES
        or not _text(item.get("id"))
    ):
        return None
    loaded = item.get("state") == "loaded" if isinstance(item.get("state"), str) else None
    maximum = _count(item.get("max_context_length"))
    # A loaded model's window is what it was loaded with, often smaller than the model's maximum.
    window = _count(item.get("loaded_context_length")) if loaded is not False else None
    capabilities = item.get("capabilities")
    return ModelInfo(
        id=item["id"],
        context_length=window or maximum,
        loaded=loaded,
        tool_use=("tool_use" in capabilities) if isinstance(capabilities, list) else None,
        max_context_length=maximum,
    )


def _openai(item: Any) -> ModelInfo | None:
    """`{"id", "object": "model"}`: ids only (some servers add a context length)."""
    if not isinstance(item, dict) or not _text(item.get("id")):
        return None
    if "embed" in item["id"].lower():  # LM Studio lists its embedding models here too
        return None
    window = _count(item.get("context_length")) or _count(item.get("max_context_length"))
    return ModelInfo(id=item["id"], context_length=window)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
