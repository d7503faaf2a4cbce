"""LM Studio on 127.0.0.1: its REST API in the shapes LM Studio documents, over the scripted OpenAI stub.

    with LMStudioStub([LMModel("qwen/qwen3-8b", loaded=8192)], api="v1", token="sk-lm") as lms:
        ...  # point the lmstudio provider at lms.base_url; lms.loads lists the load requests

`api` is the newest API the simulated version has: "v1" (LM Studio 0.4+: /api/v1/models, /api/v1/models/
load, /api/v0/models still there), "v0" (0.3.6+: /api/v0/models only) or "openai" (older: /v1/models only).
Shapes follow https://lmstudio.ai/docs/developer/rest/list, /rest/load and /rest/endpoints (v0). A path the
version lacks answers 404 `{"error": "Unexpected endpoint or method. (GET /path)"}`, or the same with 200
when `unexpected_status=200` (some LM Studio versions do that). `token` switches authentication on: every
request needs `Authorization: Bearer <token>` (LM Studio's "Require Authentication"). A load takes
`load_s` seconds, as a real one blocks until the model is in memory. Chat goes to the OpenAI stub's script.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

from helpers.openai_stub import Captured, OpenAIStub, Reply

Api = Literal["v1", "v0", "openai"]


@dataclass
class LMModel:
    key: str
    loaded: int | None = None  # the window it is loaded with; None: not loaded
    max_context_length: int = 32_768
    tool_use: bool | None = True  # None: the version does not say (v0 before capabilities)
    size_bytes: int = 4_683_073_952
    type: str = "llm"  # or "embedding"

    def v1(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "type": self.type,
            "publisher": self.key.split("/")[0] if "/" in self.key else "lmstudio-community",
            "key": self.key,
            "display_name": self.key.split("/")[-1].replace("-", " ").title(),
            "quantization": {"name": "Q4_K_M", "bits_per_weight": 4},
            "size_bytes": self.size_bytes,
            "params_string": "8B" if self.type == "llm" else None,
            "loaded_instances": []
            if self.loaded is None
            else [{"id": self.key, "config": {"context_length": self.loaded, "eval_batch_size": 512}}],
            "max_context_length": self.max_context_length,
            "format": "gguf",
        }
        if self.type == "llm":
            item["architecture"] = "qwen3"
            item["capabilities"] = {"vision": False, "trained_for_tool_use": bool(self.tool_use)}
            item["description"] = None
        return item

    def v0(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": self.key,
            "object": "model",
            "type": "llm" if self.type == "llm" else "embeddings",
            "publisher": "lmstudio-community",
            "arch": "qwen3",
            "compatibility_type": "gguf",
            "quantization": "Q4_K_M",
            "state": "loaded" if self.loaded is not None else "not-loaded",
            "max_context_length": self.max_context_length,
        }
        if self.loaded is not None:
            item["loaded_context_length"] = self.loaded
        if self.tool_use is not None and self.type == "llm":
            item["capabilities"] = ["tool_use"] if self.tool_use else []
        return item


class LMStudioStub:
    def __init__(
        self,
        models: list[LMModel],
        *,
        api: Api = "v1",
        token: str | None = None,
        load_s: float = 0.0,
        unexpected_status: int = 404,
        script: list[Reply] | None = None,
        default: Reply | None = None,
    ) -> None:
        self.models = models
        self.api = api
        self.load_s = load_s
        self.unexpected_status = unexpected_status
        self.loads: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.server = OpenAIStub(script, default=default or Reply(text="hello from LM Studio"), api_key=token)
        routes = self.server.routes
        routes[("GET", "/v1/models")] = self._openai_models
        routes[("GET", "/api/v0/models")] = self._v0_models
        routes[("GET", "/api/v1/models")] = self._v1_models
        routes[("POST", "/api/v1/models/load")] = self._load

    def __enter__(self) -> LMStudioStub:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def requests(self) -> list[Captured]:
        return self.server.requests

    def paths(self, method: str = "GET") -> list[str]:
        return [r.path for r in self.server.requests if r.method == method]

    # -- routes ---------------------------------------------------------------------------------------

    def _missing(self, captured: Captured) -> tuple[int, Any]:
        return self.unexpected_status, {
            "error": f"Unexpected endpoint or method. ({captured.method} {captured.path})"
        }

    def _openai_models(self, captured: Captured) -> tuple[int, Any]:
        with self._lock:  # JIT loading on (LM Studio's default): every downloaded model is listed
            data = [{"id": m.key, "object": "model", "owned_by": "organization_owner"} for m in self.models]
        return 200, {"object": "list", "data": data}

    def _v0_models(self, captured: Captured) -> tuple[int, Any]:
        if self.api == "openai":
            return self._missing(captured)
        with self._lock:
            return 200, {"object": "list", "data": [m.v0() for m in self.models]}

    def _v1_models(self, captured: Captured) -> tuple[int, Any]:
        if self.api != "v1":
            return self._missing(captured)
        with self._lock:
            return 200, {"models": [m.v1() for m in self.models]}

    def _load(self, captured: Captured) -> tuple[int, Any]:
        if self.api != "v1":
            return self._missing(captured)
        body = captured.json or {}
        self.loads.append(body)
        model = next((m for m in self.models if m.key == body.get("model")), None)
        if model is None:
            return 404, {"error": {"message": f"Model not found: {body.get('model')}", "type": "not_found"}}
        window = body.get("context_length") or 4096
        if window > model.max_context_length:
            return 400, {"error": {"message": "context_length exceeds the model's maximum"}}
        time.sleep(self.load_s)
        with self._lock:
            model.loaded = window
        return 200, {
            "type": model.type,
            "instance_id": model.key,
            "load_time_seconds": self.load_s,
            "status": "loaded",
        }
