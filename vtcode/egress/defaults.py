"""Hosts of the common package registries and forges, allowed when `sandbox.network.defaults = true`
(off until the user turns the allowlist mode on). Only names: their addresses must still be public."""

from __future__ import annotations

REGISTRIES: tuple[str, ...] = (
    # Python
    "pypi.org", "files.pythonhosted.org",
    # JavaScript
    "registry.npmjs.org", "registry.yarnpkg.com",
    # Rust
    "crates.io", "index.crates.io", "static.crates.io", "static.rust-lang.org",
    # Go
    "proxy.golang.org", "sum.golang.org",
    # Ruby, Java, .NET
    "rubygems.org", "index.rubygems.org", "repo.maven.apache.org", "repo1.maven.org", "api.nuget.org",
)
FORGES: tuple[str, ...] = (
    "github.com", "codeload.github.com", "objects.githubusercontent.com", "raw.githubusercontent.com",
    "gitlab.com", "bitbucket.org",
)
DEFAULT_ALLOW: tuple[str, ...] = REGISTRIES + FORGES
