"""The lifecycle on real installed distributions: discover -> sign off -> load -> register -> check."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.plugin_sources import (
    BAD_SIGNATURE,
    EXITS_AT_IMPORT,
    HALFWAY,
    RAISES_AT_IMPORT,
    TWO_FAMILIES,
    UNKNOWN_HOOK,
    tool_plugin,
)

from vtcode.config.models import PluginPin, PluginsConfig
from vtcode.events import EventBus
from vtcode.plugins import Status, load_plugins
from vtcode.plugins.approvals import load_approvals, record_approval
from vtcode.plugins.discovery import discover
from vtcode.plugins.integrity import record_digest


def _load(target: Path, **config: object):  # type: ignore[no-untyped-def]
    bus = EventBus()
    host = load_plugins(PluginsConfig(**config), bus, path=[str(target)])
    return host, bus


def _approve(target: Path, distribution: str, families: list[str]) -> None:
    candidate = next(c for c in discover([str(target)]).candidates if c.distribution == distribution)
    record_approval(distribution, candidate.version, record_digest(candidate)[0], families)


def test_unapproved_plugin_is_not_imported(install_plugins, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "imported.txt"
    monkeypatch.setenv("VTCODE_T_MARKER", str(marker))
    target = install_plugins(
        ("vtcode-t-one", {"vtcode_t_one": tool_plugin("vtcode_t_one", "one")}, {"one": "vtcode_t_one"})
    )
    host, bus = _load(target)
    record = host.record("one")
    assert record is not None and record.status is Status.NEEDS_APPROVAL
    assert "vtcode plugins approve vtcode-t-one" in record.reason
    assert not marker.exists()  # its import would have written the marker
    assert host.pm.is_blocked("one")
    assert [e.type for e in bus.history] == ["plugin.discovered", "plugin.blocked"]


def test_approved_plugin_is_loaded_and_registered(install_plugins, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "imported.txt"
    monkeypatch.setenv("VTCODE_T_MARKER", str(marker))
    target = install_plugins(
        ("vtcode-t-two", {"vtcode_t_two": tool_plugin("vtcode_t_two", "two")}, {"two": "vtcode_t_two"})
    )
    _approve(target, "vtcode-t-two", ["tools"])
    host, bus = _load(target)
    record = host.record("two")
    assert record is not None and record.status is Status.SIGNED_OFF, record.reason
    assert record.integrity == "verified"
    assert marker.read_text() == "vtcode_t_two\n"
    entry = host.registries.tools.get("two")
    assert entry is not None and entry.plugin == "two" and entry.distribution == "vtcode-t-two"
    assert "plugin.signed_off" in [e.type for e in bus.history]


def test_upgrade_needs_a_new_approval(install_plugins) -> None:  # type: ignore[no-untyped-def]
    project = ("vtcode-t-up", {"vtcode_t_up": tool_plugin("vtcode_t_up", "up")}, {"up": "vtcode_t_up"})
    first = install_plugins(project)
    _approve(first, "vtcode-t-up", ["tools"])
    second = install_plugins(project, version="1.1.0")
    host, _ = _load(second)
    record = host.record("up")
    assert record is not None and record.status is Status.NEEDS_APPROVAL
    assert "approved for 1.0.0" in record.reason and "1.1.0" in record.reason


def test_third_party_none_blocks_even_approved(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(
        ("vtcode-t-n", {"vtcode_t_n": tool_plugin("vtcode_t_n", "n")}, {"n": "vtcode_t_n"})
    )
    _approve(target, "vtcode-t-n", ["tools"])
    host, _ = _load(target, third_party="none")
    assert host.record("n").status is Status.BLOCKED  # type: ignore[union-attr]


def test_third_party_any_signs_off_with_declared_families(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(
        ("vtcode-t-any", {"vtcode_t_any": tool_plugin("vtcode_t_any", "anytool")}, {"any": "vtcode_t_any"})
    )
    host, _ = _load(target, third_party="any")
    record = host.record("any")
    assert record is not None and record.status is Status.SIGNED_OFF
    assert record.families == frozenset({"tools"})


def test_disabled_by_config(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(
        ("vtcode-t-d", {"vtcode_t_d": tool_plugin("vtcode_t_d", "d")}, {"d": "vtcode_t_d"})
    )
    _approve(target, "vtcode-t-d", ["tools"])
    for disabled in (["d"], ["vtcode-t-d"], ["VTCODE_T_D"]):
        host, _ = _load(target, disabled=disabled)
        assert host.record("d").status is Status.DISABLED  # type: ignore[union-attr]
        assert "tools" not in host.registries.tools.names()


def test_plugin_raising_at_import_is_blocked_with_reason(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(
        ("vtcode-t-raise", {"vtcode_t_raise": RAISES_AT_IMPORT}, {"raise": "vtcode_t_raise"}),
        ("vtcode-t-exit", {"vtcode_t_exit": EXITS_AT_IMPORT}, {"exit": "vtcode_t_exit"}),
        ("vtcode-t-ok", {"vtcode_t_ok": tool_plugin("vtcode_t_ok", "ok")}, {"ok": "vtcode_t_ok"}),
    )
    host, _ = _load(target, third_party="any")
    assert host.record("raise").reason == "import failed: RuntimeError: boom at import"  # type: ignore[union-attr]
    assert host.record("exit").reason == "import failed: SystemExit: 3"  # type: ignore[union-attr]
    assert host.record("ok").status is Status.SIGNED_OFF  # type: ignore[union-attr]  # the rest keeps working


def test_missing_entry_point_module(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(("vtcode-t-miss", {"vtcode_t_miss": ""}, {"miss": "vtcode_t_missing_module"}))
    host, _ = _load(target, third_party="any")
    record = host.record("miss")
    assert record is not None and record.status is Status.BLOCKED
    assert "vtcode_t_missing_module" in record.reason


def test_unknown_hook_is_blocked(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(("vtcode-t-unk", {"vtcode_t_unk": UNKNOWN_HOOK}, {"unk": "vtcode_t_unk"}))
    host, _ = _load(target, third_party="any")
    record = host.record("unk")
    assert record is not None and record.status is Status.BLOCKED
    assert "'register_widgets', which is not a vtcode hook" in record.reason
    assert not host.pm.has_plugin("unk") and host.pm.is_blocked("unk")


def test_hookimpl_with_wrong_signature_is_blocked(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(("vtcode-t-sig", {"vtcode_t_sig": BAD_SIGNATURE}, {"sig": "vtcode_t_sig"}))
    host, _ = _load(target, third_party="any")
    record = host.record("sig")
    assert record is not None and record.status is Status.BLOCKED
    assert "registration failed" in record.reason and "extra_argument" in record.reason


def test_family_not_signed_off_is_blocked(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(("vtcode-t-fam", {"vtcode_t_fam": TWO_FAMILIES}, {"fam": "vtcode_t_fam"}))
    _approve(target, "vtcode-t-fam", ["tools"])
    host, _ = _load(target)
    record = host.record("fam")
    assert record is not None and record.status is Status.BLOCKED
    assert "family 'providers'" in record.reason and "signed off only for tools" in record.reason
    assert "two" not in host.registries.tools and "sneaky-provider" not in host.registries.providers


def test_plugin_failing_halfway_leaves_nothing_behind(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(("vtcode-t-half", {"vtcode_t_half": HALFWAY}, {"half": "vtcode_t_half"}))
    host, _ = _load(target, third_party="any")
    record = host.record("half")
    assert record is not None and record.status is Status.BLOCKED
    assert record.reason == "ValueError: tool set-up failed"
    assert "first" not in host.registries.tools  # registered before the failure, rolled back
    assert "half-provider" not in host.registries.providers  # another family, also rolled back
    assert not host.pm.has_plugin("half") and host.pm.is_blocked("half")
    assert host.pm.hook.register_tools.get_hookimpls() == []


def test_name_clash_is_an_error_naming_both(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(
        ("vtcode-t-a", {"vtcode_t_a": tool_plugin("vtcode_t_a", "same")}, {"a": "vtcode_t_a"}),
        ("vtcode-t-b", {"vtcode_t_b": tool_plugin("vtcode_t_b", "same")}, {"b": "vtcode_t_b"}),
    )
    host, _ = _load(target, third_party="any")
    assert host.record("a").status is Status.SIGNED_OFF  # type: ignore[union-attr]  # sorted: a first
    record = host.record("b")
    assert record is not None and record.status is Status.BLOCKED
    assert "'same' from plugin 'b' clashes with the one from plugin 'a' (vtcode-t-a)" in record.reason
    assert host.registries.tools.get("same").plugin == "a"  # type: ignore[union-attr]


def test_pinned_plugin_needs_no_user_approval(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(
        ("vtcode-t-pin", {"vtcode_t_pin": tool_plugin("vtcode_t_pin", "pin")}, {"pin": "vtcode_t_pin"})
    )
    candidate = discover([str(target)]).candidates[0]
    digest = record_digest(candidate)[0]
    pin = PluginPin(name="vtcode-t-pin", version="==1.0.0", record_digest=digest, families=["tools"])
    host, _ = _load(target, pins=[pin], allow_user_approvals=False)
    assert host.record("pin").status is Status.SIGNED_OFF  # type: ignore[union-attr]
    wrong = PluginPin(name="vtcode-t-pin", record_digest="sha256:" + "0" * 64)
    host, _ = _load(target, pins=[wrong])
    record = host.record("pin")
    assert record is not None and record.status is Status.BLOCKED and "differs" in record.reason
    host, _ = _load(target, pins=[PluginPin(name="vtcode-t-pin", version=">=2")])
    assert "pinned to >=2 but 1.0.0" in host.record("pin").reason  # type: ignore[union-attr]


def test_managed_can_forbid_user_approvals(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(
        ("vtcode-t-f", {"vtcode_t_f": tool_plugin("vtcode_t_f", "f")}, {"f": "vtcode_t_f"})
    )
    _approve(target, "vtcode-t-f", ["tools"])
    host, _ = _load(target, allow_user_approvals=False)
    record = host.record("f")
    assert record is not None and record.status is Status.BLOCKED
    assert "forbids user approvals" in record.reason


def test_approvals_file_records_what_the_issue_asks(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(
        ("vtcode-t-r", {"vtcode_t_r": tool_plugin("vtcode_t_r", "r")}, {"r": "vtcode_t_r"})
    )
    _approve(target, "vtcode-t-r", ["tools"])
    approval = load_approvals()["vtcode-t-r"]
    assert approval.version == "1.0.0" and approval.families == ["tools"]
    assert approval.record_digest is not None and approval.record_digest.startswith("sha256:")
    assert approval.approved_by


@pytest.mark.parametrize("status", list(Status))
def test_every_status_is_reachable_in_json(status: Status) -> None:
    from vtcode.plugins.records import PluginRecord

    record = PluginRecord("x", "d", "1", False, status, "why", "verified", None)
    assert record.to_json()["status"] == status.value


def test_approve_by_entry_point_name_records_the_distribution(install_plugins, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    from vtcode.plugins.approve import approve_plugin

    install_plugins(
        ("vtcode-t-ep", {"vtcode_t_ep": tool_plugin("vtcode_t_ep", "ep")}, {"epname": "vtcode_t_ep"})
    )
    approval, modules = approve_plugin("epname", (), workspace, (), ())
    assert (approval.distribution, approval.families, modules) == ("vtcode-t-ep", ["tools"], ["vtcode_t_ep"])
    assert load_approvals()["vtcode-t-ep"].record_digest == approval.record_digest


def test_approve_refuses_a_tampered_install(install_plugins, workspace: Path) -> None:  # type: ignore[no-untyped-def]
    from vtcode.errors import PluginBlocked
    from vtcode.plugins.approve import approve_plugin

    target = install_plugins(
        ("vtcode-t-tam", {"vtcode_t_tam": tool_plugin("vtcode_t_tam", "t")}, {"tam": "vtcode_t_tam"})
    )
    (target / "vtcode_t_tam" / "__init__.py").write_text("# replaced\n")
    with pytest.raises(PluginBlocked, match="refusing to approve a tampered installation"):
        approve_plugin("vtcode-t-tam", (), workspace, (), ())
    assert "vtcode-t-tam" not in load_approvals()
