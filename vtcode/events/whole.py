"""Payloads are recorded with only the fields their emitter set (`exclude_unset`), so a newer default never
rewrites an older log's meaning. A model nested in a payload that must be recorded in full (the action a
decision or an approval is about: its digest covers every field) is marked whole first."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def whole(model: M) -> M:
    """The same model, every field marked as set: recorded with its defaults too."""
    return model.model_copy(update={name: getattr(model, name) for name in type(model).model_fields})
