"""The layout stays true: imports run one way, nothing imports in a circle, SQL and DuckDB stay in warehouse/.

Layers, top to bottom (README "Layout", docs/architecture.md):

    srdi (the CLI) → flows (and samples, for `srdi demo`) → tasks → dashboards → warehouse → schemas

A package may import its own modules and the layers below it, never one above it. bench/ may import the product
and samples/, never tests/. Checked on the source with `ast`, so a function-level import counts as much as one
at the top of a module.
"""
from __future__ import annotations

import ast
import functools
import re
from collections import defaultdict
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("srdi", "flows", "tasks", "dashboards", "warehouse", "schemas")
PACKAGES = (*PRODUCT, "samples", "bench")
INTERNAL = (*PACKAGES, "tests")

# what each package may import besides itself
MAY_IMPORT = {
    "srdi": {"flows", "samples", "warehouse", "schemas"},
    "samples": {"flows", "warehouse", "schemas"},
    "flows": {"tasks", "warehouse", "schemas"},
    "tasks": {"dashboards", "warehouse", "schemas"},
    "dashboards": {"warehouse", "schemas"},
    "warehouse": {"schemas"},
    "schemas": set(),
    "bench": {"srdi", "flows", "tasks", "dashboards", "warehouse", "schemas", "samples"},
}
LIBRARIES = {"duckdb", "polars", "prefect", "pandera", "openpyxl", "xlsxwriter", "xlwt", "fastexcel", "pyarrow",
             "pandas", "dask", "logging", "json", "csv", "io", "re", "typing", "types", "os", "sys", "time",
             "datetime", "pathlib", "pytest", "hypothesis"}

# SQL as srdi writes it (keywords in capitals); a string carrying one of these is a statement
SQL = re.compile(r"\bSELECT\b[\s\S]+?\bFROM\b|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
                 r"|\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW|MACRO|INDEX)\b|\bCOMMENT\s+ON\b|\bCHECKPOINT\b"
                 r"|^\s*(?:BEGIN|COMMIT|ROLLBACK)\s*;?\s*$")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files(packages=PACKAGES) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py") if "__pycache__" not in p.parts)


def parse(path: Path) -> ast.AST:
    """The file's syntax tree, parsed once per session while the file stays as it was (several tests read each)."""
    st = path.stat()
    return _parse(path, st.st_mtime_ns, st.st_size)


@functools.cache
def _parse(path: Path, mtime_ns: int, size: int) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"))


def imports_of(path: Path) -> set[str]:
    """Every srdi module a file imports, anywhere in it (resolved to the deepest module that exists)."""
    st = path.stat()
    return set(_imports_of(path, st.st_mtime_ns, st.st_size))


@functools.cache
def _imports_of(path: Path, mtime_ns: int, size: int) -> frozenset[str]:
    tree = _parse(path, mtime_ns, size)
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in INTERNAL:
                found.add(_existing(name))
    found.discard(me)
    return frozenset(found)


def _existing(name: str) -> str:
    parts = name.split(".")
    while parts:
        candidate = ROOT.joinpath(*parts)
        if candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists():
            return ".".join(parts)
        parts.pop()
    return name


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in python_files()}


def test_imports_run_one_way():
    wrong = []
    for mod, deps in graph().items():
        top = mod.split(".")[0]
        for dep in deps:
            other = dep.split(".")[0]
            if other != top and other not in MAY_IMPORT[top]:
                wrong.append(f"{mod} imports {dep}")
    assert not wrong, "imports against the layering:\n" + "\n".join(sorted(wrong))


def test_no_module_imports_in_a_circle():
    g = graph()
    cycles = []
    state: dict[str, int] = defaultdict(int)      # 0 new, 1 on the stack, 2 done
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(g.get(m, ())):
            if state[d] == 1:
                cycles.append(" → ".join(stack[stack.index(d):] + [d]))
            elif state[d] == 0 and d in g:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(g):
        if state[m] == 0:
            visit(m)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def _strings(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value for v in node.values if isinstance(v, ast.Constant))


# the product's code and the demo: where SQL strings and DuckDB connections must not be (tests/ and bench/ may)
SQL_FREE = ("srdi", "flows", "tasks", "dashboards", "warehouse", "schemas", "samples")
CONNECTION_MODULE = "warehouse/connection.py"


def layout_offences(path: Path, rel: str) -> list[str]:
    """What in one file breaks "SQL only in warehouse/sql/, DuckDB opened only by warehouse.connection": each SQL
    statement written as a Python string, and each way of reaching duckdb.connect outside warehouse/connection.py
    (`duckdb.connect`, `import duckdb as db; db.connect`, `from duckdb import connect`)."""
    tree = parse(path)
    strings: dict[int, str] = {}                  # by line: an f-string and its parts are one offence
    for line, text in _strings(tree):
        if SQL.search(text):
            strings.setdefault(line, text.strip()[:60])
    found = [f"{rel}:{line}: SQL in a Python string {text!r}: it belongs in warehouse/sql/<area>/<verb_object>.sql"
             for line, text in sorted(strings.items())]
    if rel == CONNECTION_MODULE:
        return found
    names = {"duckdb"} | {a.asname for n in ast.walk(tree) if isinstance(n, ast.Import)
                          for a in n.names if a.name == "duckdb" and a.asname}
    for n in ast.walk(tree):
        if (isinstance(n, ast.Attribute) and n.attr == "connect" and isinstance(n.value, ast.Name)
                and n.value.id in names) or (isinstance(n, ast.ImportFrom) and n.module == "duckdb"
                                             and any(a.name == "connect" for a in n.names)):
            found.append(f"{rel}:{n.lineno}: opens DuckDB itself: only warehouse.connection.connect opens DuckDB")
    return found


def test_sql_lives_in_sql_files_and_only_warehouse_opens_duckdb():
    """One check over every product file (it was one test per file, 96 copies of the same lint); the failure lists
    every offending string and connection with its file and line."""
    offences = [o for p in python_files(SQL_FREE) for o in layout_offences(p, p.relative_to(ROOT).as_posix())]
    assert not offences, "\n".join(offences)


def test_the_contract_catches_what_it_claims_to(tmp_path):
    """The checks above are not vacuous: they flag a planted SQL string and DuckDB connection, and see the imports
    that are there."""
    planted = tmp_path / "planted.py"
    planted.write_text(
        "import duckdb\nimport duckdb as db\nfrom duckdb import connect\n"
        "def load(con, t):\n"
        "    con.execute('SELECT a FROM b')\n"
        "    con.execute(f'INSERT INTO {t} BY NAME SELECT * FROM f')\n"
        "    con.execute(\"\"\"\n        DELETE FROM t WHERE x\n    \"\"\")\n"
        "    hint = '选择企业名称 from the list'\n"
        "    prompt = '请填写：SELECT 下拉选项'\n"
        "    return duckdb.connect(':memory:'), db.connect(), connect()\n", encoding="utf-8")
    found = layout_offences(planted, "tasks/planted.py")
    assert [o.split(":")[1] for o in found] == ["5", "6", "7", "3", "12", "12"], found
    assert [o.split(":")[1] for o in layout_offences(planted, CONNECTION_MODULE)] == ["5", "6", "7"]
    g = graph()
    assert "warehouse.connection" in g["tasks.storage"] and g["schemas.sections"] - {"schemas"} <= {"schemas.labels"}
    assert imports_of(ROOT / "flows" / "ingest.py") >= {"tasks.intake.discover", "warehouse.lock"}


def test_every_folder_is_a_package_and_no_module_is_named_after_a_library():
    for pkg in PACKAGES:
        for folder in [ROOT / pkg, *(ROOT / pkg).rglob("*")]:
            if folder.is_dir() and any(folder.glob("*.py")) and "__pycache__" not in folder.parts:
                assert (folder / "__init__.py").exists(), f"{folder.relative_to(ROOT)} has no __init__.py"
    clashes = [str(p.relative_to(ROOT)) for p in python_files() if p.stem in LIBRARIES]
    assert not clashes, f"modules named after a library: {clashes}"


def test_the_readme_layout_names_every_top_level_package():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout"):]
    for pkg in (*PACKAGES, "tests"):
        assert re.search(rf"^{pkg}/", layout, flags=re.M), f"README's layout section misses {pkg}/"
    assert (ROOT / "docs" / "architecture.md").exists()


def _third_party_imports(path: Path) -> set[str]:
    tree = parse(path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_tests_run_pandera_as_production_does_without_pandas():
    """Production installs no pandas, and with pandas installed `import pandera` imports it too (about 0.5 s in each
    reading forkserver and test worker) and takes another path through pandera's own setup. So the product imports
    no pandas, and neither the product's dependencies nor the test extras list it: only the naive script of
    `make bench` has it, in a venv of its own (bench/naive-requirements.txt)."""
    import tomllib

    from packaging.requirements import Requirement
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = [Requirement(r).name for r in (*project["dependencies"], *project["optional-dependencies"]["test"])]
    assert "pandas" not in listed, "pandas is listed in pyproject.toml"
    users = [str(p.relative_to(ROOT)) for p in python_files(PRODUCT + ("samples",)) if "pandas" in _third_party_imports(p)]
    assert not users, f"the product imports pandas: {users}"
