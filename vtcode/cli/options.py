"""Options every command takes: `CommandContext` and `workspace_options` live in vtcode/command_context.py
(below the CLI, so a plugin's command needs no part of the CLI package); errors become one-line messages in
vtcode/reporting.py. Re-exported here for the CLI's own commands."""

from vtcode.command_context import CommandAudit, CommandContext, workspace_options
from vtcode.reporting import reports_errors

__all__ = ["CommandAudit", "CommandContext", "reports_errors", "workspace_options"]
