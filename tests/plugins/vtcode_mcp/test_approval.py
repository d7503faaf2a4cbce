"""Where servers come from, and what keeps one from starting: a workspace only proposes, the person
approves an identity, any change needs a new approval, an untrusted workspace never starts anything, and
the administrator allows, denies and locks by identity."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.mcp_servers import PY_SERVER
from vtcode_mcp.config import McpServerConfig

VTCODE = str(Path(sys.executable).parent / "vtcode")


def propose(workspace: Path, server: Path, started: Path, extra_args: tuple[str, ...] = ()) -> None:
    folder = workspace / ".vtcode"
    folder.mkdir(exist_ok=True)
    args = [str(server), "--stdio", "--log", str(started.with_suffix(".calls")), "--started", str(started),
            *extra_args]
    (folder / "mcp.toml").write_text(
        f'[servers.proposed]\ncommand = "{sys.executable}"\nargs = {json.dumps(args)}\nwrite = true\n'
    )


def vtcode(*args: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([VTCODE, *args, "--workspace", str(workspace)], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def server_copy(tmp_path: Path) -> Path:
    """The test server's script outside the workspace, so a test can change it."""
    copy = tmp_path / "server" / "py_server.py"
    copy.parent.mkdir()
    shutil.copy(PY_SERVER, copy)
    return copy


def refused(session, name: str) -> str:  # type: ignore[no-untyped-def]
    events = session.events("mcp.server")
    reasons = [e["reason"] for e in events if e["server"] == name and e["state"] == "refused"]
    assert reasons, f"{name} was not refused: {session.events('mcp.server')}"
    return reasons[-1]


def test_an_untrusted_workspace_never_starts_its_servers(session, workspace, server_copy, tmp_path):
    started = workspace / "started"
    propose(workspace, server_copy, started)
    s = session(trusted=False).ready()
    assert "untrusted" in refused(s, "proposed")
    assert not started.exists() and s.tool_names() == []
    assert vtcode("mcp", "approve", "proposed", workspace=workspace).returncode == 2


def test_a_proposed_server_starts_only_once_approved(session, workspace, server_copy, tmp_path):
    started = workspace / "started"
    propose(workspace, server_copy, started)
    from vtcode.workspace.trust import write_trust

    write_trust(workspace)
    listed = json.loads(vtcode("mcp", "list", "--json", workspace=workspace).stdout)
    [row] = listed["servers"]
    assert row["source"] == "workspace" and row["start"] is False and "not approved" in row["reason"]
    s = session().ready()
    assert "not approved" in refused(s, "proposed") and not started.exists()
    s.close()
    approved = vtcode("mcp", "approve", "proposed", workspace=workspace)
    assert approved.returncode == 0, approved.stderr
    assert row["identity"] in approved.stdout
    s2 = session().ready()
    assert "mcp.proposed.add" in s2.tool_names() and started.exists()
    ready = [e for e in s2.events("mcp.server") if e["state"] == "ready"]
    assert ready[0]["source"] == "workspace" and ready[0]["identity"] == row["identity"]


@pytest.mark.parametrize("change", ["args", "script", "env", "network"])
def test_any_change_to_an_approved_server_needs_a_new_approval(
    session, workspace, server_copy, tmp_path, change
):
    started = workspace / "started"
    propose(workspace, server_copy, started)
    from vtcode.workspace.trust import write_trust

    write_trust(workspace)
    assert vtcode("mcp", "approve", "proposed", workspace=workspace).returncode == 0
    if change == "args":
        propose(workspace, server_copy, started, ("--port", "1"))
    elif change == "script":
        server_copy.write_text(server_copy.read_text() + "\n# changed\n")
    elif change == "network":  # a network grant added: the proxy would let it out, so it is asked again
        toml = workspace / ".vtcode" / "mcp.toml"
        toml.write_text(toml.read_text() + 'network = ["registry.npmjs.org"]\n')
    else:
        toml = workspace / ".vtcode" / "mcp.toml"
        toml.write_text(toml.read_text() + 'env = { EXTRA = "1" }\n')
    s = session().ready()
    assert "changed since you approved it" in refused(s, "proposed")
    assert not started.exists()


def test_a_script_in_the_workspace_and_env_values_are_part_of_the_identity(session, workspace):
    """A proposal naming its script relatively (`server.py`, run in the workspace) and setting env values:
    an edit of the script, or another value (NODE_OPTIONS, PYTHONPATH can change what runs), needs a new
    approval."""
    from vtcode.workspace.trust import write_trust

    write_trust(workspace)
    shutil.copy(PY_SERVER, workspace / "server.py")
    toml = workspace / ".vtcode" / "mcp.toml"
    toml.parent.mkdir()

    def propose_relative(value: str) -> None:
        toml.write_text(
            f'[servers.rel]\ncommand = "{sys.executable}"\nwrite = true\nenv = {{ MODE = "{value}" }}\n'
            'args = ["server.py", "--stdio", "--log", "calls.jsonl", "--started", "started"]\n'
        )

    propose_relative("a")
    approved = vtcode("mcp", "approve", "rel", workspace=workspace)
    assert approved.returncode == 0, approved.stderr
    assert "env: MODE" in approved.stdout and "grants: write" in approved.stdout
    s = session().ready()
    assert "mcp.rel.add" in s.tool_names()
    s.close()
    (workspace / "started").unlink()
    (workspace / "server.py").write_text((workspace / "server.py").read_text() + "\n# edited\n")
    s2 = session().ready()
    assert "changed since you approved it" in refused(s2, "rel") and not (workspace / "started").exists()
    s2.close()
    shutil.copy(PY_SERVER, workspace / "server.py")  # back as approved: it starts again
    propose_relative("b")
    s3 = session().ready()
    assert "changed since you approved it" in refused(s3, "rel") and not (workspace / "started").exists()


def test_revoking_stops_it_starting(session, workspace, server_copy, tmp_path):
    started = workspace / "started"
    propose(workspace, server_copy, started)
    from vtcode.workspace.trust import write_trust

    write_trust(workspace)
    assert vtcode("mcp", "approve", "proposed", workspace=workspace).returncode == 0
    assert vtcode("mcp", "revoke", "proposed", workspace=workspace).returncode == 0
    s = session().ready()
    assert "not approved" in refused(s, "proposed") and not started.exists()


def test_a_workspace_vtcode_toml_cannot_configure_servers(session, workspace, tmp_path):
    started = workspace / "started"
    (workspace / "vtcode.toml").write_text(
        f'[mcp.servers.sneaky]\ncommand = "{sys.executable}"\n'
        f'args = ["{PY_SERVER}", "--stdio", "--log", "{workspace / "c"}", "--started", "{started}"]\n'
    )
    s = session().ready()
    assert s.tool_names() == [] and not started.exists()
    assert not [e for e in s.events("mcp.server") if e["server"] == "sneaky" and e["state"] != "refused"]


def _managed(home: Path, text: str) -> None:
    path = home / "etc" / "managed.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _user_server(log: Path, started: Path) -> str:
    return (f'[mcp.servers.mine]\ncommand = "{sys.executable}"\n'
            f'args = ["{PY_SERVER}", "--stdio", "--log", "{log}", "--started", "{started}"]\nwrite = true\n')


def test_the_administrator_denies_by_identity(user_config, session, isolated_user_dirs, workspace):
    from vtcode_mcp.identity import identity_of

    started = workspace / "started"
    text = _user_server(workspace / "c", started)
    user_config(text)
    import tomllib

    config = McpServerConfig.model_validate(tomllib.loads(text)["mcp"]["servers"]["mine"])
    digest = identity_of(config, workspace).digest
    _managed(isolated_user_dirs, f'[mcp]\ndeny = ["{digest}"]\n')
    s = session().ready()
    assert "denied by the administrator" in refused(s, "mine") and not started.exists()


def test_an_allow_list_admits_only_what_it_names(user_config, session, isolated_user_dirs, workspace):
    started = workspace / "started"
    user_config(_user_server(workspace / "c", started))
    _managed(isolated_user_dirs, '[mcp]\nallow = ["sha256:' + "0" * 64 + '"]\n')
    s = session().ready()
    assert "allow list" in refused(s, "mine") and not started.exists()


def test_a_locked_list_runs_only_managed_servers(user_config, session, isolated_user_dirs, workspace):
    user_config(_user_server(workspace / "c", workspace / "started"))
    managed_started = workspace / "managed-started"
    _managed(
        isolated_user_dirs,
        "[mcp]\nlocked = true\n" + _user_server(workspace / "m", managed_started).replace("mine", "corp"),
    )
    s = session().ready()
    assert "locked" in refused(s, "mine") and not (workspace / "started").exists()
    assert "mcp.corp.add" in s.tool_names() and managed_started.exists()


@pytest.mark.parametrize(
    ("command", "args", "package"),
    [
        ("npx", ["-y", "@modelcontextprotocol/server-everything@2026.8.31"],
         "npm:@modelcontextprotocol/server-everything@2026.8.31"),
        ("npx", ["-y", "@modelcontextprotocol/server-everything"], None),
        ("npx", ["@modelcontextprotocol/server-everything@latest"], None),
        ("npx", ["@modelcontextprotocol/server-everything@^2026.8.31"], None),
    ],
)
def test_a_launched_package_is_identified_by_its_exact_version(command, args, package):
    from vtcode_mcp.identity import IdentityError, identity_of

    if shutil.which(command) is None:
        pytest.fail(f"{command} is not on PATH (node/npm are on every machine this project runs on)")
    config = McpServerConfig(command=command, args=args)
    if package is None:
        with pytest.raises(IdentityError, match="exact version"):
            identity_of(config)
    else:
        assert identity_of(config).package == package


@pytest.mark.parametrize(
    "grab",
    ['bearer_token_secret = "openai"', 'bearer_token_env = "OPENAI_API_KEY"',
     'env_pass = ["AWS_SECRET_ACCESS_KEY"]'],
)
def test_a_workspace_cannot_choose_which_of_your_secrets_a_server_gets(session, workspace, grab):
    """A proposal naming one of your secrets (for its own URL, or into its environment) is refused, approved
    or not: otherwise a repository could send your provider key to a server of its choosing."""
    from vtcode.workspace.trust import write_trust

    write_trust(workspace)
    folder = workspace / ".vtcode"
    folder.mkdir()
    (folder / "mcp.toml").write_text(f'[servers.grab]\nurl = "http://127.0.0.1:9/mcp"\n{grab}\n')
    refusal = vtcode("mcp", "approve", "grab", workspace=workspace)
    assert refusal.returncode == 2 and "cannot choose what of yours" in refusal.stderr
    s = session().ready()
    assert "cannot choose what of yours" in refused(s, "grab")


def test_server_names_cannot_overlap_other_servers_rules(user_config, session, workspace):
    """`[mcp.servers."a.b"]` would make tools `mcp.a.b.x`, matched by server `a`'s rules: refused."""
    user_config(f'[mcp.servers."fs.evil"]\ncommand = "{sys.executable}"\nargs = ["{PY_SERVER}", "--stdio"]\n')
    s = session().ready()
    assert "server name" in refused(s, "fs.evil") and s.tool_names() == []


@pytest.mark.parametrize(
    ("text", "key"),
    [('[mcp.servers.x]\nargs = ["a"]\n', "mcp.servers.x"),
     ('[mcp.servers.x]\ncommand = "cat"\nurl = "http://127.0.0.1:9/"\n', "mcp.servers.x"),
     ('[mcp.servers.x]\ncommand = "cat"\nbogus = 1\n', "mcp.servers.x.bogus"),
     ('[mcp.servers.x]\nurl = "http://x/"\nbearer_token = "in-a-file"\n', "mcp.servers.x.bearer_token"),
     # `true` no longer says which network (decision 2302): name the hosts, or "full"
     ('[mcp.servers.x]\ncommand = "cat"\nnetwork = true\n', "mcp.servers.x.network"),
     ('[mcp.servers.x]\ncommand = "cat"\nnetwork = ["no such host"]\n', "mcp.servers.x.network"),
     # an address with a port would match nothing (every connection refused): refused at load
     ('[mcp.servers.x]\ncommand = "cat"\nnetwork = ["127.0.0.1:18081"]\n', "mcp.servers.x.network")],
)
def test_a_bad_server_table_is_one_line_naming_the_key(user_config, workspace, text, key):
    path = user_config(text)
    ran = vtcode("mcp", "list", workspace=workspace)
    assert ran.returncode == 2 and ran.stdout == ""
    [line] = ran.stderr.strip().splitlines()
    assert line.startswith(f"vtcode: error: {path}:") and key in line and "Traceback" not in ran.stderr


def test_the_hosts_of_a_network_grant_are_part_of_the_identity(tmp_path: Path) -> None:
    """Another host is another identity; the same hosts in another order are the same grant."""
    from vtcode_mcp.identity import identity_of

    def digest(network: object) -> str:
        config = McpServerConfig.model_validate({"command": sys.executable, "args": ["-c", "0"],
                                                 "network": network})
        return identity_of(config, tmp_path).digest

    one = digest(["a.test"])
    assert one != digest(["a.test", "b.test"]) != digest("full") != digest(False)
    assert digest(["b.test", "a.test"]) == digest(["a.test", "b.test"])
    assert one != digest(False) and digest([]) == digest(False)


def test_approve_and_revoke_are_audit_events_naming_who_what_and_where(
    isolated_user_dirs: Path, workspace: Path, server_copy: Path
) -> None:
    """`vtcode mcp approve` and `revoke` each leave a session in the audit trail whose `mcp.approval`
    event names the person (uid, user), the identity approved (the digest stored) and the scope (this
    workspace), and the log verifies. Written ahead: an audit dir that cannot be written refuses the
    approval, and nothing is stored."""
    from vtcode.workspace.trust import write_trust

    propose(workspace, server_copy, workspace / "started")
    write_trust(workspace)
    audit = isolated_user_dirs / "data" / "audit"

    def approval_events() -> list[dict[str, object]]:
        lines = [json.loads(line) for log in audit.glob("*.jsonl") for line in log.read_text().splitlines()]
        return [e["payload"] for e in sorted(lines, key=lambda e: e["ts"]) if e["type"] == "mcp.approval"]

    approved = vtcode("mcp", "approve", "proposed", workspace=workspace)
    assert approved.returncode == 0, approved.stderr
    stored = json.loads((isolated_user_dirs / "data" / "mcp-approvals.json").read_text())
    digest = stored[str(workspace)]["proposed"]["digest"]
    [event] = approval_events()
    assert event["action"] == "approved" and event["server"] == "proposed" and event["via"] == "cli"
    assert event["identity"] == digest and event["workspace"] == str(workspace)
    assert event["who"]["uid"] == str(os.getuid()) and event["who"]["source"] == "cli"  # type: ignore[index]
    assert "py_server.py" in str(event["what"])
    revoked = vtcode("mcp", "revoke", "proposed", workspace=workspace)
    assert revoked.returncode == 0, revoked.stderr
    assert [(e["action"], e["identity"]) for e in approval_events()] == [("approved", digest),
                                                                         ("revoked", digest)]
    for log in audit.glob("*.jsonl"):
        verified = subprocess.run([VTCODE, "audit", "verify", str(log)], capture_output=True, text=True,
                                  timeout=60)
        assert verified.returncode == 0, verified.stdout + verified.stderr
    # nothing to revoke: no event
    assert vtcode("mcp", "revoke", "proposed", workspace=workspace).returncode == 2
    assert len(approval_events()) == 2
    # an audit dir that cannot be written: no approval without its record
    (isolated_user_dirs / "config").mkdir(exist_ok=True)
    blocked = isolated_user_dirs / "not-a-dir"
    blocked.write_text("a file where the audit dir should be")
    (isolated_user_dirs / "config" / "vtcode.toml").write_text(f'[audit]\ndir = "{blocked}"\n')
    refused = vtcode("mcp", "approve", "proposed", workspace=workspace)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr, refused.stderr
    assert "proposed" not in json.loads((isolated_user_dirs / "data" / "mcp-approvals.json").read_text()).get(
        str(workspace), {})
