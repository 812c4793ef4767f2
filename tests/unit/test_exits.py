"""srdi's exit codes are one table (srdi/exits.py): the README lists exactly its codes, under the same names, and no
command returns a number of its own."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from srdi.exits import Exit

ROOT = Path(__file__).resolve().parents[2]


def readme_table() -> dict[int, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    return {int(code): name for code, name in re.findall(r"^\|\s*(\d+)\s*\|\s*([A-Z_]+)\s*\|", section, re.M)}


def test_the_readme_lists_every_exit_code_and_no_other():
    assert readme_table() == {e.value: e.name for e in Exit}


def bare_codes(tree: ast.AST) -> list[int]:
    """The lines where a command gives a non-zero exit code as a literal: `return 3`, `return 2 if … else 0`,
    `code=2`, `os._exit(130)`, `sys.exit(4)`."""
    def literal(node) -> bool:
        if isinstance(node, ast.IfExp):
            return literal(node.body) or literal(node.orelse)
        return isinstance(node, ast.Constant) and type(node.value) is int and node.value != 0
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and node.value is not None and literal(node.value):
            found.append(node.lineno)
        elif isinstance(node, ast.keyword) and node.arg == "code" and literal(node.value):
            found.append(node.value.lineno)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("_exit", "exit")
              and node.args and literal(node.args[0])):
            found.append(node.lineno)
    return found


def test_no_command_returns_an_exit_code_of_its_own():
    found = {str(p.relative_to(ROOT)): lines for p in sorted((ROOT / "srdi").rglob("*.py"))
             if (lines := bare_codes(ast.parse(p.read_text(encoding="utf-8"))))}
    assert found == {}


def test_the_check_sees_each_way_a_number_is_returned():
    tree = ast.parse("def f(x):\n    if x:\n        return 3\n    if x > 1:\n        return 2 if x else 0\n"
                     "    raise E('m', code=2)\n    os._exit(130)\n    return 0\n")
    assert sorted(bare_codes(tree)) == [3, 5, 6, 7]
