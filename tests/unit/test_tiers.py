"""The tiers' guards hold (tests/tiers.py): the directory decides the tier, and a unit test cannot start a process."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.tiers import SubprocessInUnitTier, tier_of

TESTS = Path(__file__).resolve().parents[1]


def test_a_unit_test_cannot_start_a_process():
    with pytest.raises(SubprocessInUnitTier):
        subprocess.run([sys.executable, "-c", "pass"], check=False)


def test_the_directory_is_the_tier():
    assert tier_of(TESTS / "unit" / "test_x.py") == "unit"
    assert tier_of(TESTS / "integration" / "test_x.py") == "integration"
    assert tier_of(TESTS / "e2e" / "test_x.py") == "e2e"
    assert tier_of(TESTS / "helpers.py") is None          # shared helpers belong to no tier
    assert tier_of(TESTS / "scenarios" / "issue19.py") is None
    assert tier_of(TESTS.parent / "unit" / "test_x.py") is None   # outside tests/


def test_every_test_file_is_in_a_tier():
    stray = sorted(p.name for p in TESTS.glob("test_*.py"))
    assert stray == [], f"test files outside tests/unit, tests/integration, tests/e2e: {stray}"
