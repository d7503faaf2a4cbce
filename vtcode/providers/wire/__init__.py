"""The OpenAI chat-completions wire format over HTTP/1.1: a public helper for provider plugins.

LM Studio, Ollama, vLLM, llama.cpp's server and most gateways speak it, so the built-in `lmstudio` and
`openai-compat` plugins (and any third-party one) share this client rather than import each other.
The transport is the standard library's http.client (transport.py says why).
"""

from __future__ import annotations

from .client import OpenAIWire, reply_cap
from .errors import http_error, one_line, transport_error
from .sse import StreamAssembler, iter_sse_data, request_body

__all__ = [
    "OpenAIWire",
    "StreamAssembler",
    "http_error",
    "iter_sse_data",
    "one_line",
    "reply_cap",
    "request_body",
    "transport_error",
]
