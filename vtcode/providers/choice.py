"""Which model a session uses, and what the person should know about it.

Config or `--model` wins. Otherwise the model the server has loaded (LM Studio says which): when several
are, the first is used and the person is told which and how to choose; when the server says none is, that
is an error with the fix (the TUI offers to load one instead). A server that does not say what is loaded
(a plain /v1/models) gets its first listed model, as before. Notes say, once, what may go wrong with the
chosen model: no tool use (the agent acts only through tool calls), or a window too small for the agent.
"""

from __future__ import annotations

from dataclasses import dataclass

from vtcode_hookspecs import ModelInfo, ProviderError

# Below this, the system prompt, tool specs and a few tool results leave no room to work: LM Studio's
# default load window (4,096) is the usual cause.
SMALL_WINDOW = 16_384
# The window vtcode asks for when it loads a model, unless config names one: room for the agent's prompt,
# tool results and answers, and within what most local models are trained for.
LOAD_WINDOW = 32_768


@dataclass(frozen=True)
class ModelChoice:
    model: str
    info: ModelInfo | None  # None: the server did not list it (a configured model) or lists no details
    how: str  # "configured", "loaded" (the server's loaded model) or "listed" (its first listed)
    notes: tuple[str, ...] = ()

    @property
    def needs_load(self) -> bool:
        """The server says the chosen model is not loaded (a configured one: JIT loading may still
        answer, if the person turned it on in LM Studio)."""
        return self.info is not None and self.info.loaded is False


class NoModelLoaded(ProviderError):
    """The server lists models but none is loaded, and no model is configured. `available`: what could
    be loaded, for the TUI's offer."""

    def __init__(self, message: str, available: list[ModelInfo]) -> None:
        super().__init__(message, kind="not_found")
        self.available = available


def choose_model(entry: str, configured: str | None, listed: list[ModelInfo]) -> ModelChoice:
    if configured:
        info = next((m for m in listed if m.id == configured), None)
        return ModelChoice(configured, info, "configured", _notes(entry, info, listed, "configured"))
    loaded = [m for m in listed if m.loaded]
    if loaded:
        return ModelChoice(loaded[0].id, loaded[0], "loaded", _notes(entry, loaded[0], listed, "loaded"))
    if listed and all(m.loaded is False for m in listed):
        names = ", ".join(m.id for m in listed[:3]) + (", …" if len(listed) > 3 else "")
        raise NoModelLoaded(
            f"{entry}: no model is loaded ({len(listed)} downloaded: {names}): load one in LM Studio "
            f"(or `lms load {listed[0].id}`), or start `vtcode` and pick one; `vtcode exec --model NAME` "
            f"loads NAME only with [providers.{entry}] allow_load = true",
            listed,
        )
    if listed:
        return ModelChoice(listed[0].id, listed[0], "listed", _notes(entry, listed[0], listed, "listed"))
    raise ProviderError(
        f"{entry}: no model configured and the server lists none: set [providers.{entry}] model, "
        "or pass --model",
        kind="not_found",
    )


def load_window(info: ModelInfo, configured: int | None) -> int:
    """The context length to load `info` with: what config names, else LOAD_WINDOW, never above the
    model's maximum (LM Studio refuses more)."""
    wanted = configured or LOAD_WINDOW
    return min(wanted, info.max_context_length) if info.max_context_length else wanted


def _notes(entry: str, info: ModelInfo | None, listed: list[ModelInfo], how: str) -> tuple[str, ...]:
    notes: list[str] = []
    loaded = [m.id for m in listed if m.loaded]
    if how == "loaded" and len(loaded) > 1:
        notes.append(
            f"{len(loaded)} models are loaded ({', '.join(loaded[:4])}); using {loaded[0]}: choose with "
            f"--model NAME or [providers.{entry}] model"
        )
    if info is None:
        return tuple(notes)
    if info.loaded is False:
        notes.append(
            f"{info.id} is not loaded: the first request waits for LM Studio to load it if its JIT loading "
            f"is on, else fails; load it in LM Studio or `lms load {info.id}`"
        )
    if info.tool_use is False:
        notes.append(
            f"{info.id} does not advertise tool use: vtcode's agent reads, edits and runs only through tool "
            "calls, so it may answer without acting; choose a model trained for tool use (`vtcode models` "
            "shows which) with --model or [providers." + entry + "] model"
        )
    if info.loaded and info.context_length is not None and info.context_length < SMALL_WINDOW:
        notes.append(
            f"{info.id} is loaded with a {info.context_length:,}-token window, too small for the agent's "
            f"prompt and tools: reload it with a larger one (LM Studio's load settings, or `lms load "
            f"{info.id} --context-length {LOAD_WINDOW}`)"
        )
    return tuple(notes)
