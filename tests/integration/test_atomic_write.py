"""warehouse/atomic_write.py: a write replaces its target in one step and removes what killed writes of the same file
left behind, whatever characters the file's name holds (a bureau's name may hold glob characters)."""
from __future__ import annotations

import pytest

from warehouse.atomic_write import remove_stale_temps, write_bytes


@pytest.mark.parametrize("name", ["回执.xlsx", "企业库[1]_回执_7.xlsx", "进展*?_回执_8.xlsx", "a.b"])
def test_a_write_removes_the_debris_of_killed_writes_of_that_file_only(tmp_path, name):
    target = tmp_path / name
    debris = [tmp_path / f".{name}.{pid}.tmp" for pid in (123, 999999)]
    others = [tmp_path / f".other{name}.123.tmp", tmp_path / f".{name}.tmp", tmp_path / f"{name}.123.tmp",
              tmp_path / f".{name}.123.tmpx"]
    for p in debris + others:
        p.write_bytes(b"half")
    write_bytes(target, b"whole")
    assert target.read_bytes() == b"whole"
    assert [p for p in debris if p.exists()] == []
    assert all(p.exists() for p in others)          # not debris of this file: left alone


def test_no_folder_no_debris(tmp_path):
    remove_stale_temps(tmp_path / "missing" / "x.xlsx")    # nothing to do, no error
