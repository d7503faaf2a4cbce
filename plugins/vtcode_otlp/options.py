"""The `[events.sinks.otlp]` table: where the collector is and how to talk to it."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# A header name as HTTP defines a token; the value of a secret one comes from the environment.
_HEADER = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class OtlpOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)  # built when configured, not at start-up

    endpoint: str = Field(default="http://127.0.0.1:4318", pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    protocol: Literal["http/protobuf", "http/json"] = "http/protobuf"
    # Plain headers (a tenant id); secret ones (an API key) name an environment variable instead.
    headers: dict[str, str] = {}
    headers_env: dict[str, str] = {}
    resource_attributes: dict[str, str] = {}
    batch_size: int = Field(default=512, ge=1, le=10_000)
    timeout_s: float = Field(default=10.0, gt=0, le=300)
    retries: int = Field(default=3, ge=0, le=20)
    backoff_s: float = Field(default=0.5, ge=0, le=60)
    max_retry_after_s: float = Field(default=30.0, ge=0, le=600)
    verify_tls: bool = True
    # Spans for turns, model calls and tool calls (GenAI conventions), to /v1/traces beside the logs.
    traces: bool = False

    @field_validator("headers", "headers_env")
    @classmethod
    def _header_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _HEADER.match(name):
                raise ValueError(f"{name!r} is not an HTTP header name")
        return value

    @field_validator("headers_env")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        for env in value.values():
            if not _ENV.match(env):
                raise ValueError(f"{env!r} is not an environment variable name")
        return value

    @property
    def logs_url(self) -> str:
        """The signal's URL, as OpenTelemetry's exporters build it from OTEL_EXPORTER_OTLP_ENDPOINT."""
        base = self.endpoint.rstrip("/")
        return base if base.endswith("/v1/logs") else f"{base}/v1/logs"

    @property
    def traces_url(self) -> str:
        base = self.endpoint.rstrip("/").removesuffix("/v1/logs")
        return f"{base}/v1/traces"
