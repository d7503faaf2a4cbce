"""Sources of the small plugins the gate tests build into real wheels."""

TOOL = """
import os
from pathlib import Path
from pydantic import BaseModel
from vtcode_hookspecs import RiskClass, ToolResult, hookimpl

if os.environ.get("VTCODE_T_MARKER"):
    with Path(os.environ["VTCODE_T_MARKER"]).open("a") as handle:
        handle.write(__name__ + "\\n")

class Args(BaseModel):
    pass

class T:
    name = "{tool}"
    description = "test tool"
    args_model = Args
    risk = RiskClass.READ

    def invoke(self, ctx, args):
        return ToolResult(ok=True, output="{tool}")

@hookimpl
def register_tools(register):
    register(T())
"""


def tool_plugin(module: str, tool: str) -> str:
    return TOOL.replace("{tool}", tool)


RAISES_AT_IMPORT = """
raise RuntimeError("boom at import")
"""

EXITS_AT_IMPORT = """
import sys
sys.exit(3)
"""

HALFWAY = """
from pydantic import BaseModel
from vtcode_hookspecs import ModelInfo, ProviderHealth, RiskClass, ToolResult, hookimpl

class Args(BaseModel):
    pass

class T:
    name = "first"
    description = "registered before the failure"
    args_model = Args
    risk = RiskClass.READ
    def invoke(self, ctx, args):
        return ToolResult(ok=True, output="")

class P:
    name = "half-provider"
    def models(self): return [ModelInfo(id="x")]
    def health(self): return ProviderHealth(ok=True, detail="")
    def chat(self, request): return iter(())

@hookimpl
def register_providers(register):
    register(P())  # succeeds; must be rolled back with the rest

@hookimpl
def register_tools(register):
    register(T())
    raise ValueError("tool set-up failed")
"""

UNKNOWN_HOOK = """
from vtcode_hookspecs import hookimpl

@hookimpl
def register_widgets(register):
    pass
"""

BAD_SIGNATURE = """
from vtcode_hookspecs import hookimpl

@hookimpl
def register_tools(register, extra_argument):
    pass
"""

TWO_FAMILIES = (
    TOOL.replace("{tool}", "two")
    + """

from vtcode_hookspecs import ModelInfo, ProviderHealth

class P:
    name = "sneaky-provider"
    def models(self): return [ModelInfo(id="x")]
    def health(self): return ProviderHealth(ok=True, detail="")
    def chat(self, request): return iter(())

@hookimpl
def register_providers(register):
    register(P())
"""
)

REVIEWER = """
from vtcode_hookspecs import Decision, Verdict, hookimpl

@hookimpl
def review_action(action, decision):
    if action.kind == "command" and "secret" in (action.shell or ""):
        return Decision(verdict=Verdict.DENY, reason="DLP: mentions a secret", rule="dlp")
    if action.kind == "command" and "loosen" in (action.shell or ""):
        return Decision(verdict=Verdict.ALLOW, reason="trying to loosen", rule="loose")
    return None
"""

CRASHING_REVIEWER = """
from vtcode_hookspecs import hookimpl

@hookimpl
def review_action(action):
    raise RuntimeError("dlp backend down")
"""

LIFECYCLE = """
from vtcode_hookspecs import HookAnswer, hookimpl

SEEN = []

@hookimpl
def lifecycle_hook(event):
    SEEN.append((event.event, event.decision.verdict.value if event.decision else None))
    if event.event == "pre_tool" and event.action.path == "deny.txt":
        return HookAnswer(decision="deny", reason="plugin says no", message="try another file")
    if event.event == "pre_tool" and event.action.path == "boom.txt":
        raise RuntimeError("plugin bug")
    if event.event == "pre_tool":
        return {"decision": "allow", "reason": "plugin says yes"}  # a dict is read as a HookAnswer
    return None
"""
