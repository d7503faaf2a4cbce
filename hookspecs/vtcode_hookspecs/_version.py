"""The contract's version, shared by `vtcode_hookspecs` and the declared `vtcode.api` (semantic versioning:
a minor version adds names or optional fields, a major version removes or changes one)."""

from typing import Final

API_VERSION: Final = "1.2"  # 1.1: ServerReport, SourceServer, SourceOffer; 1.2: SandboxRequest.egress_hosts
