"""Distribution names and versions compared as pip compares them.

Names are normalised as PEP 503 says (runs of `-`, `_`, `.` are one `-`, case folded): the one line of
`packaging.utils.canonicalize_name` vtcode needs, without the ~10 ms of `packaging.tags` that module
imports on every start. Version ranges use `packaging` itself, imported only when a pin names one.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    return _SEPARATORS.sub("-", name).lower()


def version_in_range(version: str, spec: str) -> bool:
    """Whether `version` is inside the range `spec` (pre-releases count); an unparsable version is not."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version

    try:
        return SpecifierSet(spec).contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def check_version_range(spec: str) -> str:
    """`spec` if it is a valid range, else ValueError with an example of one."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(spec)
    except InvalidSpecifier as exc:
        raise ValueError(f"not a version range: {spec!r} (e.g. '==1.2.0' or '>=1,<2')") from exc
    return spec
