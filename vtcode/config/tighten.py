"""How a lower-trust layer (a workspace) may change a security setting: only towards stricter.

Each security field carries a `Tighten` marker in its `Annotated` metadata; `combine` applies it.
Fields without a marker are not security settings and any layer may set them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class Rule(Enum):
    ORDER = "order"  # values ranked loosest -> strictest; the stricter of the two wins
    ORDER_MAP = "order_map"  # a mapping whose values are ranked; per key, the stricter wins
    UNION = "union"  # deny-like lists: a lower-trust layer may add entries, never remove them
    INTERSECT = "intersect"  # allow-like lists: a lower-trust layer may remove entries, never add them
    MIN = "min"  # limits: the smaller wins
    TRUE_WINS = "true_wins"  # a safeguard switched on stays on
    FALSE_WINS = "false_wins"  # a permission switched off stays off
    USER_ONLY = "user_only"  # only the user, the CLI or an administrator may set it
    MANAGED_ONLY = "managed_only"  # only the managed (enterprise) file may set it
    ADD_KEYS = "add_keys"  # a mapping: a lower-trust layer may add entries, never change or remove one


@dataclass(frozen=True)
class Tighten:
    rule: Rule
    order: tuple[str, ...] = ()
    # For ORDER_MAP: the dotted key whose value stands in for a key the lower layer does not list.
    fallback_key: str | None = None
    # A mapping merged key by key (a layer adds or replaces entries) instead of replaced whole.
    per_key: bool = False


@dataclass(frozen=True)
class Combined:
    value: Any
    loosened: bool  # the upper layer asked for something looser, which was refused


def combine(marker: Tighten, lower: Any, upper: Any, fallback: Any = None) -> Combined:
    """The value a tighten-only layer ends up with, and whether it tried to loosen."""
    rule = marker.rule
    if rule is Rule.ORDER:
        return _stricter(marker.order, lower, upper)
    if rule is Rule.ORDER_MAP:
        merged = dict(lower)
        loosened = False
        for key, value in upper.items():
            result = _stricter(marker.order, lower.get(key, fallback), value)
            merged[key] = result.value
            loosened |= result.loosened
        return Combined(merged, loosened)
    if rule is Rule.UNION:
        merged_list = list(lower) + [item for item in upper if item not in lower]
        return Combined(merged_list, loosened=False)
    if rule is Rule.INTERSECT:
        kept = [item for item in upper if item in lower]
        return Combined(kept, loosened=len(kept) != len(upper))
    if rule is Rule.ADD_KEYS:
        base = dict(lower or {})
        changed = any(key in base and base[key] != value for key, value in (upper or {}).items())
        base.update({key: value for key, value in (upper or {}).items() if key not in base})
        return Combined(base, loosened=changed)
    if rule is Rule.MIN:
        if lower is None:
            return Combined(upper, loosened=False)
        if upper is None:
            return Combined(lower, loosened=True)
        return Combined(min(lower, upper), loosened=upper > lower)
    if rule is Rule.TRUE_WINS:
        return Combined(bool(lower) or bool(upper), loosened=bool(lower) and not upper)
    if rule is Rule.FALSE_WINS:
        return Combined(bool(lower) and bool(upper), loosened=bool(upper) and not lower)
    return Combined(lower, loosened=upper != lower)  # USER_ONLY / MANAGED_ONLY: the layer is ignored


def _stricter(order: tuple[str, ...], lower: Any, upper: Any) -> Combined:
    if lower is None:
        return Combined(upper, loosened=False)
    if order.index(upper) >= order.index(lower):
        return Combined(upper, loosened=False)
    return Combined(lower, loosened=True)
