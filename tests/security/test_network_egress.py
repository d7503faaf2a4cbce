"""`[sandbox.network] mode = "allowlist"` under the real kernel, through the agent's own path
(WorkspaceSandbox): the command's only route out is the egress proxy.

The invariant: nothing the command does reaches a host service except through the proxy, and the proxy
lets through only what a rule allows. Each bypass class is tried in several ways by one probe script
run inside the sandbox, and the host side checks what it actually received.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from vtcode_landlock import launcher
from vtcode_landlock.backend import LandlockBackend

from vtcode.config.models import SandboxConfig
from vtcode.events import EventBus
from vtcode.sandbox import SandboxDenied, WorkspaceSandbox

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="network namespaces are Linux")
NOBODY = 65534
PYTHON = "/usr/bin/python3"  # the probe needs only the standard library; the venv may be unreadable


class _Origin(http.server.BaseHTTPRequestHandler):
    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(f"{self.headers.get('Host')} {self.path}")
        body = b"origin says hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class HostServices:
    """What a command must not reach directly: an HTTP origin, a UDP 'resolver', a unix-socket service."""

    def __init__(self, tmp: Path) -> None:
        self.seen: list[str] = []
        handler = type("Origin", (_Origin,), {"seen": self.seen})
        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.port = self.http.server_address[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.setblocking(False)
        self.unix_path = str(tmp / "host-service.sock")
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(self.unix_path)
        self.unix.listen(4)
        self.unix.setblocking(False)
        self.abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.abstract_name = f"vtcode-egress-test-{os.getpid()}"
        self.abstract.bind("\0" + self.abstract_name)
        self.abstract.listen(4)
        self.abstract.setblocking(False)

    def udp_received(self) -> bool:
        try:
            self.udp.recvfrom(100)
        except BlockingIOError:
            return False
        return True

    def unix_accepted(self) -> bool:
        for server in (self.unix, self.abstract):
            try:
                server.accept()[0].close()
                return True
            except BlockingIOError:
                continue
        return False

    def close(self) -> None:
        self.http.shutdown()
        for s in (self.udp, self.unix, self.abstract):
            s.close()


@pytest.fixture
def services(tmp_path: Path) -> Iterator[HostServices]:
    found = HostServices(tmp_path)
    yield found
    found.close()


PROBE = textwrap.dedent("""
    import json, os, socket, sys, urllib.request
    origin, udp_port, unix_path, abstract, proxy_port = sys.argv[1:6]
    origin, udp_port, proxy_port = int(origin), int(udp_port), int(proxy_port)
    out = {}
    def attempt(label, fn):
        try:
            out[label] = "ok:" + str(fn())
        except Exception as exc:
            out[label] = type(exc).__name__ + ":" + str(getattr(exc, "errno", "") or getattr(exc, "code", ""))
    def tcp(host, port):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(3)
            s.connect((host, port))
            return "connected"
    attempt("tcp_origin", lambda: tcp("127.0.0.1", origin))
    attempt("tcp_origin_v6", lambda: tcp("::1", origin))
    attempt("tcp_proxy_port_other_address", lambda: tcp("127.0.0.2", proxy_port))
    attempt("tcp_proxy_port_public_address", lambda: tcp("192.0.2.1", proxy_port))
    attempt("tcp_public", lambda: tcp("192.0.2.1", 443))
    def udp(host, port):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"leak", (host, port))
            return "sent"
    attempt("udp_host_service", lambda: udp("127.0.0.1", udp_port))
    attempt("dns_local_resolver", lambda: udp("127.0.0.53", 53))
    attempt("dns_public_resolver", lambda: udp("192.0.2.53", 53))
    attempt("getaddrinfo", lambda: socket.getaddrinfo("pkg.test", 80))
    def unix(address):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(address)
            return "connected"
    attempt("unix_host_service", lambda: unix(unix_path))
    attempt("unix_abstract", lambda: unix("\\0" + abstract))
    def bind_relay():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            return "listening"
    attempt("relay_listener", bind_relay)
    def mptcp_relay():  # IPPROTO_MPTCP: Landlock's TCP rules do not see it; seccomp must refuse it
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262) as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            return "listening"
    attempt("mptcp_relay_listener", mptcp_relay)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler(
        {"http": os.environ["http_proxy"], "https": os.environ["https_proxy"]}))
    def get(url):
        with opener.open(url, timeout=10) as r:
            return r.read().decode()
    attempt("proxy_allowed", lambda: get(f"http://pkg.test:{origin}/simple/"))
    attempt("proxy_other_host", lambda: get(f"http://evil.test:{origin}/x"))
    attempt("proxy_denied_subdomain", lambda: get(f"http://bad.pkg.test:{origin}/x"))
    attempt("proxy_rebinding", lambda: get(f"http://rebind.test:{origin}/x"))
    attempt("proxy_metadata", lambda: get("http://metadata.test/latest/meta-data/"))
    attempt("proxy_ip_literal", lambda: get(f"http://127.0.0.2:{origin}/x"))
    attempt("proxy_ip_literal_named", lambda: get(f"http://127.0.0.1:{origin}/named"))
    def sni_fronting():
        import ssl
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="evil.example")
        try:
            tls.do_handshake()
        except ssl.SSLWantReadError:
            pass
        with socket.create_connection(("127.0.0.1", proxy_port), timeout=10) as s:
            s.sendall(f"CONNECT pkg.test:{origin} HTTP/1.1\\r\\n\\r\\n".encode())
            s.recv(100)
            s.sendall(outgoing.read())
            return "cut" if s.recv(100) == b"" else "relayed"
    attempt("connect_with_another_sni", sni_fronting)
    print(json.dumps(out))
""")

EXPECTED = {
    # direct routes: the namespace holds only loopback, Landlock lets connect() reach the proxy port only
    "tcp_origin": "PermissionError:13",
    "tcp_origin_v6": "PermissionError:13",
    "tcp_proxy_port_other_address": "ConnectionRefusedError:111",
    "tcp_proxy_port_public_address": "OSError:101",
    "tcp_public": "PermissionError:13",
    "udp_host_service": "ok:sent",  # sent into the private namespace's loopback: the host sees nothing
    "dns_local_resolver": "ok:sent",
    "dns_public_resolver": "OSError:101",
    "getaddrinfo": "gaierror:-3",
    "unix_host_service": "PermissionError:1",
    "unix_abstract": "PermissionError:1",
    "relay_listener": "PermissionError:13",
    "mptcp_relay_listener": "PermissionError:1",
    # through the proxy
    "proxy_allowed": "ok:origin says hello",
    "proxy_other_host": "HTTPError:403",
    "proxy_denied_subdomain": "HTTPError:403",
    "proxy_rebinding": "HTTPError:403",
    "proxy_metadata": "HTTPError:403",
    "proxy_ip_literal": "HTTPError:403",
    "proxy_ip_literal_named": "ok:origin says hello",  # an address rule names 127.0.0.1
    "connect_with_another_sni": "ok:cut",  # a tunnel to pkg.test whose ClientHello names evil.example
}


Audited = tuple[str, dict[str, Any]]


def egress_config(**extra: Any) -> SandboxConfig:
    egress = {
        "mode": "allowlist",
        "allow": ["pkg.test", "*.pkg.test", "forge.test", "127.0.0.1/32"],
        "deny": ["bad.pkg.test"],
        "hosts": {"pkg.test": "127.0.0.1", "bad.pkg.test": "127.0.0.1", "forge.test": "127.0.0.1",
                  "rebind.test": "10.1.2.3", "metadata.test": "169.254.169.254"},
    } | extra
    # rebind.test and metadata.test are allowed by name: only their addresses refuse them
    egress["allow"] = [*egress["allow"], "rebind.test", "metadata.test"]
    return SandboxConfig(network=egress)


def run_egress(workspace: Path, argv: list[str], spawn: str, config: SandboxConfig | None = None,
               ) -> tuple[subprocess.CompletedProcess[str], list[Audited], tuple[str, ...]]:
    bus = EventBus()
    backend = LandlockBackend(launcher=spawn == "launcher", fork_server=spawn == "fork-server")
    box = WorkspaceSandbox(backend, config or egress_config(), workspace, bus)
    try:
        prepared = box.prepare(box.request(argv, str(workspace)))
        try:
            launch = getattr(prepared, "launch", None)
            if spawn != "direct":
                assert launch is not None and prepared.enforced[-1].startswith(f"spawn:{spawn}")
                proc = launch(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                out, err = proc.communicate(timeout=120)
                done = subprocess.CompletedProcess(argv, proc.returncode, out.decode(), err.decode())
            else:
                done = subprocess.run(list(prepared.argv), cwd=prepared.cwd, env=prepared.env,
                                      preexec_fn=prepared.preexec_fn, pass_fds=prepared.pass_fds,
                                      capture_output=True, text=True, timeout=120, check=False)
        finally:
            prepared.release()
    finally:
        box.close()
        backend.close()
    events = [(e.type, dict(e.payload)) for e in bus.history]
    bus.close()
    return done, events, prepared.enforced


@pytest.fixture(params=["direct", "fork-server", "launcher"])
def spawn(request: pytest.FixtureRequest) -> str:
    if request.param == "launcher":
        request.getfixturevalue("launcher_binary")
    return str(request.param)


@pytest.fixture
def launcher_binary() -> str:
    return launcher.locate()


def test_only_the_proxy_answers_and_only_for_allowed_hosts(
    workspace: Path, services: HostServices, spawn: str
) -> None:
    argv = [PYTHON, "-I", "-c", PROBE, str(services.port), str(services.udp.getsockname()[1]),
            services.unix_path, services.abstract_name, "3128"]
    done, events, enforced = run_egress(workspace, argv, spawn)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got == EXPECTED
    assert any(e.startswith("network:egress-proxy(netns") for e in enforced), enforced
    # the host side: one request reached the origin (the allowed one), nothing else arrived anywhere
    assert services.seen == [f"pkg.test:{services.port} /simple/", f"127.0.0.1:{services.port} /named"]
    assert not services.udp_received() and not services.unix_accepted()
    audited = [p for t, p in events if t == "network.request"]
    fronted = [p for p in audited if p["method"] == "CONNECT"]
    assert [(p["host"], p["rule"], p["sni"], p["bytes_up"]) for p in fronted] == \
        [("pkg.test", "sni-mismatch", "evil.example", 0)]
    by_host = {p["host"]: p for p in audited if p["method"] != "CONNECT"}
    assert by_host["pkg.test"]["decision"] == "allow" and by_host["pkg.test"]["address"] == "127.0.0.1"
    assert by_host["pkg.test"]["bytes_down"] > 0 and by_host["pkg.test"]["status"] == 200
    assert by_host["evil.test"]["rule"] == "no-rule"
    assert by_host["bad.pkg.test"]["rule"] == "deny bad.pkg.test"
    assert by_host["rebind.test"]["rule"] == "non-public-address"
    assert by_host["rebind.test"]["address"] == "10.1.2.3"
    assert by_host["metadata.test"]["reason"].startswith("resolved to a cloud-metadata address")
    assert by_host["127.0.0.2"]["rule"] == "ip-literal" and by_host["127.0.0.2"]["decision"] == "deny"
    assert by_host["127.0.0.1"]["rule"] == "allow 127.0.0.1/32"
    applied = [p for t, p in events if t == "sandbox.applied"]
    assert applied and any(e.startswith("network:egress-proxy") for e in applied[0]["enforced"])


def test_git_clone_over_http_through_the_proxy(workspace: Path, tmp_path: Path) -> None:
    """A real `git clone` (git's own HTTP client, reading http_proxy) of a repository served on
    127.0.0.1 under the name forge.test; the same clone from a host no rule names fails."""
    repo = tmp_path / "srv" / "tool.git"
    src = tmp_path / "src"
    src.mkdir()
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q", str(src)], check=True)
    (src / "README").write_text("cloned through the egress proxy\n")
    subprocess.run([*git, "-C", str(src), "add", "README"], check=True)
    subprocess.run([*git, "-C", str(src), "commit", "-qm", "one"], check=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(src), str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "update-server-info"], check=True)
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(repo.parent), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *a: None  # type: ignore[method-assign]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        done, events, _ = run_egress(workspace, ["git", "clone", "-q", f"http://forge.test:{port}/tool.git",
                                                 "tool"], "launcher" if launcher_ok() else "fork-server")
        assert done.returncode == 0, done.stderr
        assert (workspace / "tool" / "README").read_text() == "cloned through the egress proxy\n"
        allowed = [p for t, p in events if t == "network.request" and p["decision"] == "allow"]
        assert allowed and all(p["host"] == "forge.test" for p in allowed)
        denied, events, _ = run_egress(workspace, ["git", "clone", "-q", f"http://elsewhere.test:{port}/tool.git",
                                                   "other"], "fork-server")
        assert denied.returncode != 0 and not (workspace / "other" / "README").exists()
        assert "403" in denied.stderr
    finally:
        server.shutdown()


def launcher_ok() -> bool:
    try:
        launcher.locate()
    except launcher.LauncherUnavailable:
        return False
    return True


def test_a_backend_that_cannot_route_through_the_proxy_is_refused(workspace: Path) -> None:
    """Fail closed: a backend that ignores egress_port (here: `none`) gives no listener; nothing runs."""
    from vtcode_sandbox_none import NoSandbox  # type: ignore[attr-defined]

    bus = EventBus()
    box = WorkspaceSandbox(NoSandbox(), egress_config(), workspace, bus)
    marker = workspace / "ran"
    with pytest.raises(SandboxDenied, match="egress"):
        box.prepare(box.request(["touch", str(marker)], str(workspace)))
    assert not marker.exists()
    bus.close()


def test_unprivileged_user_gets_the_same_confinement(tmp_path: Path) -> None:
    """uid 65534, no cgroup of its own: the network namespace comes with a user namespace; where the
    kernel refuses this user one, the command is refused and nothing runs."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to a spare uid")
    import importlib.util

    escapes_file = Path(__file__).with_name("test_sandbox_escapes.py")
    spec = importlib.util.spec_from_file_location("_escapes", escapes_file)
    assert spec is not None and spec.loader is not None
    escapes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(escapes)
    _copy_packages, _python_for = escapes._copy_packages, escapes._python_for

    root = Path(tempfile.mkdtemp(prefix="vtcode-egress-nobody-", dir="/tmp"))
    try:
        root.chmod(0o755)
        _copy_packages(root / "lib")
        shutil.copy2(__file__, root / "lib" / "egress_probe_module.py")
        for sub in ("home", "ws", "cache"):
            (root / sub).mkdir()
            os.chown(root / sub, NOBODY, NOBODY)
        script = textwrap.dedent(f"""
            import json, sys, tempfile
            from pathlib import Path
            sys.path.insert(0, {str(root / 'lib')!r})
            class Permissive:  # stands in for pytest's decorators: the module is used as a library here
                def __call__(self, *a, **k):
                    return a[0] if len(a) == 1 and callable(a[0]) and not k else self
                def __getattr__(self, name):
                    return self
            sys.modules["pytest"] = Permissive()
            import egress_probe_module as m
            services = m.HostServices(Path(tempfile.mkdtemp()))
            argv = [m.PYTHON, "-I", "-c", m.PROBE, str(services.port), str(services.udp.getsockname()[1]),
                    services.unix_path, services.abstract_name, "3128"]
            out = {{}}
            for spawn in ("direct", "fork-server"):
                done, events, enforced = m.run_egress(Path({str(root / 'ws')!r}), argv, spawn)
                out[spawn] = [done.returncode, done.stdout, done.stderr[-500:], list(enforced)]
            out["seen"] = services.seen
            out["leaked"] = services.udp_received() or services.unix_accepted()
            # A kernel that refuses this user a user namespace (the probe's answer stands in for the
            # sysctl, which cannot be changed here without affecting the whole machine): refused.
            import vtcode_landlock.confine as confine
            confine.userns_available = lambda: False
            marker = Path({str(root / 'ws')!r}) / "ran"
            try:
                m.run_egress(Path({str(root / 'ws')!r}), ["touch", str(marker)], "fork-server")
                out["refused"] = "ran"
            except m.SandboxDenied as exc:
                out["refused"] = str(exc)
            out["marker"] = marker.exists()
            print(json.dumps(out))
        """)
        env = {"HOME": str(root / "home"), "XDG_CACHE_HOME": str(root / "cache"), "PATH": "/usr/bin:/bin",
               "PYTHONPATH": str(root / "lib"), "PYTHONDONTWRITEBYTECODE": "1", "LC_ALL": "C.UTF-8"}
        python = _python_for(NOBODY)
        done = subprocess.run([python, "-c", script], user=NOBODY, group=NOBODY, extra_groups=[], env=env,
                              cwd=root / "ws", capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        result = json.loads(done.stdout.splitlines()[-1])
        for spawn in ("direct", "fork-server"):
            code, out, err, enforced = result[spawn]
            assert code == 0, err
            assert json.loads(out) == EXPECTED, spawn
            assert any(e.startswith("network:egress-proxy(netns") for e in enforced)
        assert not result["leaked"]
        assert "needs a network namespace" in result["refused"] and result["marker"] is False
        assert len(result["seen"]) == 4  # the two allowed requests of each run
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _wheel(directory: Path) -> Path:
    """A one-module wheel (PEP 427), made by hand so the test needs no build backend."""
    import base64
    import hashlib
    import zipfile

    files = {
        "egress_demo/__init__.py": b"WHERE = 'installed through the egress proxy'\n",
        "egress_demo-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: egress-demo\nVersion: 1.0\n",
        "egress_demo-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                           b"Tag: py3-none-any\n",
    }
    record = "".join(
        f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
        f"{len(data)}\n" for name, data in files.items()) + "egress_demo-1.0.dist-info/RECORD,,\n"
    path = directory / "egress_demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
        wheel.writestr("egress_demo-1.0.dist-info/RECORD", record)
    return path


def test_pip_install_from_a_local_index_through_the_proxy(workspace: Path, tmp_path: Path) -> None:
    """A real `pip install` inside the sandbox from a PEP 503 simple index on 127.0.0.1 (named pypi.test);
    the proxy's log shows every request pip made, and nothing else was reached."""
    import hashlib

    index = tmp_path / "index"
    (index / "files").mkdir(parents=True)
    wheel = _wheel(index / "files")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (index / "simple" / "egress-demo").mkdir(parents=True)
    (index / "simple" / "egress-demo" / "index.html").write_text(
        f'<a href="../../files/{wheel.name}#sha256={digest}">{wheel.name}</a>\n')
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(index), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *a: None  # type: ignore[method-assign]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    config = egress_config(hosts={"pypi.test": "127.0.0.1"}, allow=["pypi.test", "127.0.0.1"])
    try:
        done, events, _ = run_egress(
            workspace, [PYTHON, "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check",
                        "--index-url", f"http://pypi.test:{port}/simple/", "--trusted-host", "pypi.test",
                        "--target", str(workspace / "site"), "egress-demo"],
            "launcher" if launcher_ok() else "fork-server", config)
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stdout + done.stderr
    installed = workspace / "site" / "egress_demo" / "__init__.py"
    assert "installed through the egress proxy" in installed.read_text()
    audited = [p for t, p in events if t == "network.request"]
    assert audited and all(p["host"] == "pypi.test" and p["decision"] == "allow" for p in audited)
    assert sum(p["bytes_down"] for p in audited) > wheel.stat().st_size


class _Person:
    """Answers prompts as a person at a terminal would, from a script; records what was shown."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers, self.asked = answers, []  # type: ignore[var-annotated]

    @property
    def who(self) -> dict[str, str]:
        return {"source": "test person"}

    def ask(self, prompt: Any) -> Any:
        from vtcode.approvals import Answer

        host = prompt.action.args["host"]
        self.asked.append((host, [o.value for o in prompt.offers]))
        return Answer(self.answers.get(host, "deny"))


def test_an_unknown_host_is_offered_to_the_person_once_session_or_always(
    workspace: Path, services: HostServices, tmp_path: Path
) -> None:
    """A host no rule names goes to the approval broker: allowed for the session it is asked once;
    refused it gets 403; without a terminal it is refused unasked; allowed "always", it is saved for this
    workspace (in the user's config dir) and not asked again in the next session."""
    from vtcode.approvals.askers import NoTerminal
    from vtcode.approvals.broker import ApprovalBroker
    from vtcode.approvals.hosts import ApprovedHosts
    from vtcode.sandbox import network_asker

    code = textwrap.dedent(f"""
        import os, urllib.request
        proxies = urllib.request.ProxyHandler({{"http": os.environ["http_proxy"]}})
        opener = urllib.request.build_opener(proxies)
        for url in ("http://asked.test:{services.port}/a", "http://asked.test:{services.port}/b",
                    "http://refused.test:{services.port}/c"):
            try:
                print(opener.open(url, timeout=30).status)
            except Exception as exc:
                print(getattr(exc, "code", exc))
    """)
    hosts = {"asked.test": "127.0.0.1", "refused.test": "127.0.0.1"}
    offers = ["allow-once", "allow-session", "allow-workspace", "deny"]  # a host: this workspace's list
    asked_port = f"asked.test:{services.port}"
    store = ApprovedHosts(workspace, path=tmp_path / "egress-approved.json")
    for asker, expected, asks in (
        (_Person({"asked.test": "allow-session", "refused.test": "deny"}), ["200", "200", "403"],
         [("asked.test", offers), ("refused.test", offers)]),
        (NoTerminal(), ["403", "403", "403"], None),
        # "always for this workspace": saved in the user's config dir, not asked in the next session
        (_Person({"asked.test": "allow-workspace"}), ["200", "200", "403"],
         [("asked.test", offers), ("refused.test", offers)]),
        (_Person({}), ["200", "200", "403"], [("refused.test", offers)]),
    ):
        bus = EventBus()
        broker = ApprovalBroker(asker, bus, always=store)  # type: ignore[arg-type]
        backend = LandlockBackend(launcher=False, fork_server=True)
        config = egress_config(hosts=hosts, allow=["127.0.0.1"])
        box = WorkspaceSandbox(backend, config, workspace, bus, ask_network=network_asker(broker),
                               approved_hosts=store.hosts())
        prepared = box.prepare(box.request([PYTHON, "-I", "-c", code], str(workspace)))
        launch = getattr(prepared, "launch", None)
        assert launch is not None
        proc = launch(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate(timeout=120)
        prepared.release()
        box.close()
        backend.close()
        assert out.decode().split() == expected, err.decode()
        if asks is not None:
            assert asker.asked == asks  # type: ignore[union-attr]
        answered = [e.payload for e in bus.history if e.type == "approval.answered"]
        assert answered, "every question and answer is in the audit trail"
        rules = [e.payload["rule"] for e in bus.history if e.type == "network.request"]
        assert rules.count("approved by the person") + rules.count(f"allow {asked_port}") == \
            expected.count("200")
        bus.close()
    assert store.hosts() == [asked_port]
    assert json.loads(store.path.read_text()) == {str(workspace): [asked_port]}


def test_exec_without_a_terminal_never_offers_a_host(workspace: Path, isolated_user_dirs: Path) -> None:
    """`vtcode exec` in CI (no terminal): a host no rule names is refused unasked (403), the origin never
    sees the request, and the audit trail says nobody was asked; the command itself ran (a user rule
    allows it), so the refusal is the egress proxy's."""
    from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply

    from vtcode.workspace.trust import write_trust

    served: list[str] = []

    class Origin(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    write_trust(workspace)
    (workspace / "fetch.py").write_text(textwrap.dedent(f"""
        import urllib.request, urllib.error
        try:
            print("fetched", urllib.request.urlopen("http://asked.test:{port}/x", timeout=60).status)
        except urllib.error.HTTPError as exc:
            print("fetched", exc.code)
    """))
    config = isolated_user_dirs / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "vtcode.toml").write_text('[sandbox.network]\nmode = "allowlist"\nallow = ["127.0.0.1"]\n'
                                        'hosts = { "asked.test" = "127.0.0.1" }\n')
    (config / "tool-policy.json").write_text(json.dumps(
        {"commands": {"python3": {"decision": "allow", "rest": "opaque"}}}))
    script = [Reply(tool_calls=[ToolCallReply("run_command", {"command": "python3 fetch.py"})]),
              Reply(text="done")]
    vtcode = str(Path(sys.executable).parent / "vtcode")
    try:
        with OpenAIStub(script) as stub:
            result = subprocess.run(
                [vtcode, "exec", "--provider", "openai-compat", "--base-url", stub.base_url, "--model",
                 "stub-model", "--workspace", str(workspace), "--events", "jsonl", "fetch it"],
                capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL, check=False)
            tool_results = [m["content"] for r in stub.chat_requests for m in r["messages"]
                            if m.get("role") == "tool"]
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-2000:]
    assert any("fetched 403" in str(content) for content in tool_results), tool_results
    assert served == []
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    answered = [e["payload"] for e in events if e["type"] == "approval.answered"]
    assert answered and all(a["answer"] == "deny" and a["who"]["source"].startswith("no terminal")
                            for a in answered)
    requests = [e["payload"] for e in events if e["type"] == "network.request"]
    assert [(r["host"], r["decision"]) for r in requests] == [("asked.test", "deny")]
