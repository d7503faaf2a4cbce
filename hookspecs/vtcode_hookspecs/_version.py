"""The contract's version, shared by `vtcode_hookspecs` and the declared `vtcode.api` (semantic versioning:
a minor version adds names or optional fields, a major version removes or changes one)."""

from typing import Final

# 1.1: ServerReport, SourceServer, SourceOffer. 1.2: the config_sections hook (family "config"), RuleId
# (Decision.rule and the events' `rule` are RuleIds that equal their text), vtcode.api's Tighten and Rule,
# CommandContext from vtcode.command_context (with audit_trail -> CommandAudit), os_identity, and
# SandboxRequest.egress_hosts / egress_client (a launch's own egress allowlist).
API_VERSION: Final = "1.2"
