"""An SBPL (Seatbelt) profile generated from a SandboxRequest, with every path passed as a parameter.

SBPL evaluates rules in order and the LAST matching rule wins. So the profile is laid out as: deny
everything; allow what processes need to exist; allow reads; allow writes to the workspace and temp dir;
then, after every allow they could match, deny writes to protected paths and deny reads of secrets. A
protected path listed before the workspace allow would lose to it. Paths never appear in the profile
text: each is a `(param "...")` given to sandbox-exec with -D, so a path holding `")` cannot inject rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# System trees a toolchain reads on macOS (Homebrew under /opt/homebrew and /usr/local).
SYSTEM_READ = (
    "/usr",
    "/bin",
    "/sbin",
    "/System",
    "/Library",
    "/opt/homebrew",
    "/usr/local",
    "/private/etc",
    "/private/var/db/timezone",
    "/dev",
)
HOME_SECRETS = (
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".kube",
    ".docker",
    ".netrc",
    ".git-credentials",
    ".config/gh",
    ".config/gcloud",
    ".password-store",
    "Library/Keychains",
)


@dataclass
class Profile:
    """The profile text and the -D parameters it reads."""

    text: str
    params: dict[str, str] = field(default_factory=dict)

    def sandbox_exec_argv(self, argv: tuple[str, ...]) -> list[str]:
        defines = [arg for key, value in sorted(self.params.items()) for arg in ("-D", f"{key}={value}")]
        return ["/usr/bin/sandbox-exec", "-p", self.text, *defines, *argv]


class _Builder:
    def __init__(self) -> None:
        self.lines: list[str] = ["(version 1)", "(deny default)"]
        self.params: dict[str, str] = {}

    def param(self, prefix: str, value: str) -> str:
        key = f"{prefix}_{len(self.params)}"
        self.params[key] = value
        return f'(param "{key}")'

    def rule(self, verdict: str, operations: str, filters: list[str]) -> None:
        if filters:
            self.lines.append(f"({verdict} {operations}\n    " + "\n    ".join(filters) + ")")


def build_profile(
    *,
    workspace: str,
    tmp_dir: str,
    mode: str,
    network: bool,
    read_roots: tuple[str, ...],
    protected: tuple[str, ...],
    home: str,
) -> Profile:
    b = _Builder()
    b.lines += [
        "(allow process-fork)",
        "(allow process-exec)",
        "(allow signal (target same-sandbox))",
        "(allow sysctl-read)",
        '(allow mach-lookup (global-name "com.apple.system.opendirectoryd.libinfo"))',
        "(allow file-read-metadata)",  # stat on any path: shells and build tools probe parents
        '(allow file-ioctl (literal "/dev/tty") (regex #"^/dev/ttys[0-9]+"))',
        '(allow file-write-data (literal "/dev/null") (literal "/dev/tty") (regex #"^/dev/ttys[0-9]+"))',
    ]
    full = mode == "full-access"
    reads = (
        ['(subpath "/")']
        if full
        else [f"(subpath {b.param('READ', p)})" for p in (*SYSTEM_READ, workspace, *read_roots)]
    )
    b.rule("allow", "file-read*", reads)
    writes = ['(subpath "/")'] if full else [f"(subpath {b.param('TMP', tmp_dir)})"]
    if mode == "workspace-write":
        writes.insert(0, f"(subpath {b.param('WORKSPACE', workspace)})")
    b.rule("allow", "file-write*", writes)
    if network or full:
        b.lines.append("(allow network*)")
    # Last, so they win over every allow above (SBPL: the last matching rule decides).
    if mode != "read-only":
        b.rule(
            "deny",
            "file-write*",
            [
                f"({'subpath' if p.endswith('/') else 'literal'} {b.param('PROTECTED', p.rstrip('/'))})"
                for p in protected
            ],
        )
    b.rule(
        "deny",
        "file-read* file-write*",
        [f"(subpath {b.param('SECRET', f'{home}/{rel}')})" for rel in HOME_SECRETS],
    )
    return Profile("\n".join(b.lines) + "\n", b.params)
