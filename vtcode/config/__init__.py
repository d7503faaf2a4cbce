"""Configuration: pydantic models for vtcode.toml and tool-policy.json, layered by trust."""

from .layers import EffectiveConfig, LayerInfo, load_config
from .models import ManagedConfig, PluginPin, VtcodeConfig
from .tool_policy import ToolPolicyFile

__all__ = [
    "EffectiveConfig",
    "LayerInfo",
    "ManagedConfig",
    "PluginPin",
    "ToolPolicyFile",
    "VtcodeConfig",
    "load_config",
]
