"""The ingest starts the reading forkserver early only when the inbox holds a file in a bureau folder: an empty inbox
(the fixed cost of issue 12) starts nothing."""
from __future__ import annotations

import pytest

from tasks.intake.isolate import any_file_in


@pytest.mark.parametrize("layout, expected", [
    ({}, False),                                          # no folder at all
    ({"工信局/": None}, False),                          # an empty bureau folder
    ({"readme.txt": "x"}, False),                         # a file at the root: noted, never read
    ({".hidden/a.xlsx": "x"}, False),                     # a dot folder is not a bureau's
    ({"工信局/sub/": None}, False),                      # a folder inside a bureau folder holds no file here
    ({"工信局/": None, "商务局/企业库.xlsx": "x"}, True),  # one file in one folder is enough
])
def test_any_file_in(tmp_path, layout, expected):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for rel, text in layout.items():
        path = inbox / rel
        if text is None:
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    assert any_file_in(inbox) is expected


def test_a_missing_inbox_has_no_file(tmp_path):
    assert any_file_in(tmp_path / "nowhere") is False
