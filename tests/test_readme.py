"""The README is a contract: its commands must exist."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from srdi.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_two_make_targets_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^make (\w+)", README, flags=re.M):
        assert re.search(rf"^{target}:", makefile, flags=re.M), f"README names `make {target}` but the Makefile has no such target"
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("command", sorted(set(re.findall(r"^(?:\.venv/bin/)?srdi (\w+)", README, flags=re.M))))
def test_every_srdi_command_in_the_readme_exists(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert command in capsys.readouterr().out
