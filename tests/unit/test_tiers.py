"""The tiers' guards hold (tests/tiers.py): the directory decides the tier, and a unit test cannot start a process."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import tiers
from tests.tiers import SubprocessInUnitTier, heaviest_first, tier_of, weigh

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


class Item:
    def __init__(self, rel: str, name: str):
        self.path, self.name = TESTS.parent / rel, name

    def __repr__(self):
        return self.name


def test_the_files_run_heaviest_first_each_files_tests_in_their_order(tmp_path, monkeypatch):
    seconds = tmp_path / "file_seconds.json"
    seconds.write_text('{"tests/e2e/test_b.py": 300.0, "tests/unit/test_a.py": 2.0}')
    monkeypatch.setattr(tiers, "FILE_SECONDS", seconds)
    items = [Item("tests/unit/test_a.py", "a1"), Item("tests/unit/test_a.py", "a2"),
             Item("tests/integration/test_new.py", "n1"), Item("tests/integration/test_new.py", "n2"),
             Item("tests/integration/test_new.py", "n3"), Item("tests/integration/test_new.py", "n4"),
             Item("tests/integration/test_new.py", "n5"),      # not measured: 5 tests × 0.5 s = 2.5 s
             Item("tests/e2e/test_b.py", "b2"), Item("tests/e2e/test_b.py", "b1")]
    assert [i.name for i in heaviest_first(items)] == ["b2", "b1", "n1", "n2", "n3", "n4", "n5", "a1", "a2"]


def test_weigh_sums_each_files_setup_call_and_teardown():
    lines = ["39.21s setup    tests/integration/test_x.py::test_one[2022]",
             "1.50s call     tests/integration/test_x.py::test_one[2022]",
             "0.25s teardown tests/integration/test_x.py::test_two",
             "3.00s call     tests/e2e/test_y.py::Class::test_three",
             "(365 durations < 0.005s hidden.  Use -vv to show these durations.)"]
    assert weigh(lines) == {"tests/integration/test_x.py": 41.0, "tests/e2e/test_y.py": 3.0}
