"""vtcode's own distribution-name normalisation agrees with packaging's, which pip uses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from vtcode.distributions import canonical_name, check_version_range, version_in_range


@given(st.text(alphabet="abcXYZ019-_.", min_size=1, max_size=20))
def test_canonical_name_matches_packaging(name: str) -> None:
    assert canonical_name(name) == canonicalize_name(name)


def test_version_ranges() -> None:
    assert version_in_range("1.2.0", ">=1,<2")
    assert not version_in_range("2.0.0", ">=1,<2")
    assert version_in_range("1.3.0rc1", ">=1,<2")  # pre-releases count: a pin is about what is installed
    assert not version_in_range("not-a-version", ">=1")
    assert check_version_range("==1.2.0") == "==1.2.0"
    with pytest.raises(ValueError, match=r"not a version range: '1\.2\.0'"):
        check_version_range("1.2.0")
