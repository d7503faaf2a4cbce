"""Apply one validated layer onto the merged state, honouring tighten-only and managed-only keys."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .tighten import Rule, Tighten, combine


@dataclass
class MergeState:
    """The merged document so far, which layer set each leaf, and what was refused along the way."""

    values: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


def marker_of(info: FieldInfo) -> Tighten | None:
    return next((item for item in info.metadata if isinstance(item, Tighten)), None)


def extras_marker(model: type[BaseModel]) -> Tighten | None:
    """The marker of a model's typed extras (`[providers.<name>]` tables), if it takes any."""
    marker = getattr(model, "extras_tighten", None)
    return marker if isinstance(marker, Tighten) else None


def section_model(info: FieldInfo) -> type[BaseModel] | None:
    annotation = info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def get_path(values: dict[str, Any], dotted: str) -> Any:
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def apply_layer(
    state: MergeState,
    layer: dict[str, Any],
    model: type[BaseModel],
    name: str,
    *,
    tighten_only: bool = False,
    managed: bool = False,
) -> None:
    _apply(state, state.values, layer, model, name, (), tighten_only=tighten_only, managed=managed)


def _apply(
    state: MergeState,
    target: dict[str, Any],
    layer: dict[str, Any],
    model: type[BaseModel],
    name: str,
    prefix: tuple[str, ...],
    *,
    tighten_only: bool,
    managed: bool,
) -> None:
    for key, value in layer.items():
        info = model.model_fields.get(key)
        extras = extras_marker(model)
        if info is None and extras is None:  # keys outside the model (`locked`) are the caller's
            continue
        path = (*prefix, key)
        dotted = ".".join(path)
        sub = section_model(info) if info is not None else None
        if sub is not None and isinstance(value, dict):
            _apply(
                state,
                target.setdefault(key, {}),
                value,
                sub,
                name,
                path,
                tighten_only=tighten_only,
                managed=managed,
            )
            continue
        marker = marker_of(info) if info is not None else extras
        if marker is not None and marker.rule is Rule.MANAGED_ONLY and not managed:
            state.notices.append(f"{name}: {dotted}: ignored, only the managed (enterprise) file may set it")
            continue
        if tighten_only and marker is not None:
            fallback = get_path(state.values, marker.fallback_key) if marker.fallback_key else None
            result = combine(marker, target.get(key), value, fallback)
            if result.loosened:
                state.notices.append(
                    f"{name}: {dotted} = {_shown(value)} ignored: a workspace may only tighten security "
                    f"settings (kept {_shown(result.value)})"
                )
            if result.value == target.get(key):
                continue
            value = result.value
        if marker is not None and marker.per_key and isinstance(value, dict):
            before = dict(target.get(key) or {})
            merged = {**before, **value}
            for entry in value:
                if not (tighten_only and entry in before and before[entry] == value[entry]):
                    state.sources[f"{dotted}.{entry}"] = name  # kept entries keep the layer that set them
            value = merged
        target[key] = value
        state.sources[dotted] = name


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
