"""The `lmstudio` provider. Chat goes through the core's OpenAI wire client (/v1/chat/completions, which
every LM Studio version serves); what only LM Studio knows (which models are downloaded and which loaded,
their context windows and tool use) comes from its own REST API, v1 first, then v0, then the plain
/v1/models of older versions (shapes.py), detected once per server (memo.py). Loading a model goes
through /api/v1/models/load, only when the core asks (with the person's consent: see ModelLoader).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from vtcode_hookspecs import (
    ChatChunk,
    ChatRequest,
    ModelInfo,
    ProviderError,
    ProviderHealth,
    ProviderSettings,
)

from vtcode.api import OpenAIWire, user_config_dir

from .memo import ApiMemo
from .shapes import LIST_PATHS, ApiVersion, answered, parse

DEFAULT_BASE_URL = "http://127.0.0.1:1234/v1"
NOT_RUNNING = (
    "is LM Studio running? Start it and its server (the app's Developer tab, or `lms server start`), "
    "then load a model (`lms load <model>`)"
)
MAKE_TOKEN = "create one in LM Studio (Developer > Server Settings > Manage Tokens)"  # noqa: S105 - advice, not a secret
_ORDER: tuple[ApiVersion, ...] = get_args(ApiVersion)


class LMStudioOptions(BaseModel):
    """`[providers.lmstudio] options = {...}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    load_timeout_s: float = Field(default=600.0, gt=0, le=3600, description="longest wait for a load")
    stream_usage: bool = True  # the wire's own option, passed through


class LMStudioProvider:
    name = "lmstudio"

    def __init__(self, settings: ProviderSettings | None = None, memo: ApiMemo | None = None) -> None:
        self.settings = settings or ProviderSettings(name=self.name)
        try:
            self.options = LMStudioOptions.model_validate(self.settings.options)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"[providers.{self.settings.name}] options.{where}: {first['msg']}") from None
        # Config first, then LM Studio's own variable (the Rust vtcode's too), then its default port.
        base_url = self.settings.base_url or os.environ.get("LMSTUDIO_BASE_URL") or DEFAULT_BASE_URL
        self.wire = OpenAIWire(
            self.settings, base_url, label="LM Studio", hint=NOT_RUNNING, auth_hint=self.auth_hint
        )
        self._memo = memo
        self.api_version: ApiVersion | None = None  # which API answered the last listing

    def configure(self, settings: ProviderSettings) -> LMStudioProvider:
        return LMStudioProvider(settings)

    @property
    def memo(self) -> ApiMemo:
        if self._memo is None:
            self._memo = ApiMemo.default()
        return self._memo

    @property
    def base_url(self) -> str:
        """The address in use (config, LMSTUDIO_BASE_URL or the default): cached windows are keyed on it."""
        return self.wire.base_url

    @property
    def root_url(self) -> str:
        return self.wire.base_url.removesuffix("/v1")

    def models(self) -> list[ModelInfo]:
        """Chat models, loaded ones first (LM Studio answers an unloaded one only if its JIT loading is
        on, so a loaded one is the safe default), from whichever API this server speaks."""
        version, data = self._listing()
        models = parse(version, data)
        if self.settings.context_length is not None and self.settings.model:
            models = [
                m.model_copy(update={"context_length": self.settings.context_length})
                if m.id == self.settings.model
                else m
                for m in models
            ]
        return sorted(models, key=lambda m: m.loaded is False)

    def can_load(self) -> bool:
        """Only the v1 API has /api/v1/models/load (LM Studio 0.4.0+)."""
        return (self.api_version or self.memo.get(self.root_url)) == "v1"

    def load_model(self, model: str, *, context_length: int | None = None) -> ModelInfo:
        """POST /api/v1/models/load and wait for it (LM Studio answers when the model is in memory);
        then the model as listed now, so the caller sees its loaded window."""
        url = f"{self.root_url}/api/v1/models/load"
        body: dict[str, object] = {"model": model}
        if context_length is not None:
            body["context_length"] = context_length
        try:
            answer = self.wire.post_json(url, body, read_timeout_s=self.options.load_timeout_s)
        except ProviderError as exc:
            if exc.kind == "not_found" and self.api_version in ("v0", "openai"):
                raise ProviderError(
                    f"LM Studio at {self.root_url} has no load API (LM Studio 0.4.0 added it): load "
                    f"{model} in the app, or `lms load {model}`",
                    kind="not_found",
                    status=exc.status,
                ) from None
            raise
        listed = next((m for m in self.models() if m.id == model), None)
        if listed is None or listed.loaded is False:
            raise ProviderError(
                f"LM Studio at {self.root_url} answered the load of {model} but does not list it as loaded",
                kind="protocol",
            )
        config = answer.get("load_config") if isinstance(answer, dict) else None
        window = config.get("context_length") if isinstance(config, dict) else None
        if isinstance(window, int) and listed.context_length is None:
            listed = listed.model_copy(update={"context_length": window})
        return listed

    def health(self) -> ProviderHealth:
        try:
            models = self.models()
        except ProviderError as exc:
            return ProviderHealth(ok=False, detail=str(exc))
        where = f"LM Studio at {self.root_url} (API {self.api_version})"
        if not models:
            return ProviderHealth(ok=False, detail=f"{where} has no chat model: `lms get <model>`")
        loaded = [m.id for m in models if m.loaded]
        if not loaded and all(m.loaded is False for m in models):
            return ProviderHealth(
                ok=False,
                detail=f"{where}: no model loaded: load one in LM Studio or `lms load {models[0].id}`",
            )
        shown = loaded or [m.id for m in models]
        return ProviderHealth(ok=True, detail=f"{where}: {', '.join(shown[:5])}")

    def chat(self, request: ChatRequest) -> Iterator[ChatChunk]:
        return self.wire.chat(request, stream=True)

    def close(self) -> None:
        self.wire.close()

    def auth_hint(self) -> str:
        """What a 401 should say: LM Studio's tokens are made in the app, and vtcode reads them from the
        environment or the user's secret file (never from a workspace)."""
        env = "".join(c if c.isalnum() else "_" for c in self.settings.name).upper() + "_API_KEY"
        secrets = user_config_dir() / "secrets.toml"
        if self.settings.api_key is None:
            return (
                f"LM Studio requires an API token and vtcode sent none: {MAKE_TOKEN}, then export "
                f'{env}=<token> or add {self.settings.name} = "<token>" to {secrets} (chmod 600)'
            )
        return (
            f"LM Studio refused the API token vtcode sent (from {env} or {secrets}): it may be mistyped, "
            f"deleted or lack a permission; {MAKE_TOKEN}"
        )

    # -- internals ------------------------------------------------------------------------------------

    def _listing(self) -> tuple[ApiVersion, object]:
        """The first API that lists models: the remembered one, else v1, v0, /v1/models in turn. A 401
        is final (a token will not appear by asking an older API); a 404, or LM Studio's 200 saying
        "Unexpected endpoint", means that version is not there."""
        remembered = self.memo.get(self.root_url)
        order = (remembered, *(v for v in _ORDER if v != remembered)) if remembered else _ORDER
        for version in order:
            try:
                data = self.wire.get_json(f"{self.root_url}{LIST_PATHS[version]}")
            except ProviderError as exc:
                if exc.kind != "not_found":
                    raise
                data = None
            if answered(version, data):
                if version != remembered:
                    self.memo.put(self.root_url, version)
                self.api_version = version
                return version, data
            if version == remembered:
                self.memo.forget(self.root_url)
        raise ProviderError(
            f"LM Studio at {self.root_url} answered none of {', '.join(LIST_PATHS.values())}: "
            f"is this LM Studio, and does base_url end in /v1?",
            kind="not_found",
        )
