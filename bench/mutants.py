"""`make mutants`: how many of mutmut's mutants of schemas/ and the intake's normalisers the fast tests kill.

mutmut (pyproject.toml [tool.mutmut]) writes every mutant into mutants/ and records, in one first pass of the
selected fast tests, which tests call which function. A mutant in a function that no selected test calls is
"not covered" (known without running it: it survives). The others each cost a run of the tests that call the
function; on a shared 2-core machine that is some seconds each, too many for the 5,000 mutants of these files. So
`make mutants` runs a seeded sample of each module's mutants (the same names every time, whatever the tests cover:
the seed and the size are arguments), and the report gives each module's kill share of its sample (a timeout counts
as killed: the mutant made a test hang) beside its exact share of mutants no selected test reaches.

`make mutants MUTANTS_SAMPLE=0` runs every mutant instead (hours on a quiet machine).

    python -m bench.mutants sample [--per-module 12] [--seed 21]   # the sampled mutant names, one a line
    python -m bench.mutants report [--names FILE]                  # the table (of the names in FILE, if given)
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

MUTANTS = Path("mutants")
# mutmut's exit codes (mutmut.stats.status_by_exit_code), read as the report needs them
KILLED = {1: "killed", 3: "killed", -24: "timeout", 24: "timeout", 36: "timeout", 152: "timeout", 255: "timeout"}
SURVIVED = {0}
NOT_COVERED = {33, 5}


def _module(name: str) -> str:
    """schemas.values.x_parse_int__mutmut_3 -> schemas.values; schemas.forms.xǁFormǁmatch__mutmut_2 -> schemas.forms"""
    head = name.partition("__mutmut_")[0]
    return head.rpartition(".")[0]


def _function(name: str) -> str:
    return name.partition("__mutmut_")[0]


def _all_mutants() -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        out.update(json.loads(meta.read_text("utf-8"))["exit_code_by_key"])
    return out


def _covered_functions() -> set[str]:
    stats = json.loads((MUTANTS / "mutmut-stats.json").read_text("utf-8"))
    return {f for f, tests in stats["tests_by_mangled_function_name"].items() if tests}


def sample(per_module: int, seed: int) -> list[str]:
    by_module: dict[str, list[str]] = defaultdict(list)
    for name in _all_mutants():
        by_module[_module(name)].append(name)
    rng = random.Random(seed)
    picked: list[str] = []
    for module in sorted(by_module):
        names = sorted(by_module[module], key=lambda n: (_function(n), int(n.rpartition("_")[2])))
        picked += names if per_module <= 0 or len(names) <= per_module else sorted(rng.sample(names, per_module))
    return picked


def report(names: set[str] | None) -> str:
    covered = _covered_functions()
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    survivors: list[str] = []
    for name, code in _all_mutants().items():
        r = rows[_module(name)]
        r["mutants"] += 1
        reached = _function(name) in covered
        r["not reached"] += not reached
        if names is not None and name not in names:
            continue
        if code in KILLED:
            r["killed"] += 1
        elif code in SURVIVED or (code in NOT_COVERED) or (code is None and not reached):
            r["survived"] += 1
            survivors.append(name)
        elif code is not None:
            r["other"] += 1
    lines = ["| module | mutants | not reached by a selected test | sampled | killed | survived | kill share |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    total = defaultdict(int)
    for module in sorted(rows):
        r = rows[module]
        run = r["killed"] + r["survived"]
        for k in ("mutants", "not reached", "killed", "survived"):
            total[k] += r[k]
        lines.append(f"| {module} | {r['mutants']} | {r['not reached']} ({r['not reached'] / r['mutants']:.0%}) "
                     f"| {run} | {r['killed']} | {r['survived']} | {r['killed'] / run:.0%} |" if run else
                     f"| {module} | {r['mutants']} | {r['not reached']} | 0 | | | – |")
    run = total["killed"] + total["survived"]
    if run:
        lines.append(f"| all | {total['mutants']} | {total['not reached']} ({total['not reached'] / total['mutants']:.0%}) "
                     f"| {run} | {total['killed']} | {total['survived']} | {total['killed'] / run:.0%} |")
    lines += ["", "survivors:"] + [f"    mutmut show {s}" for s in sorted(survivors)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.mutants")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--per-module", type=int, default=12)
    s.add_argument("--seed", type=int, default=21)
    r = sub.add_parser("report")
    r.add_argument("--names", type=Path)
    a = ap.parse_args(argv)
    if a.cmd == "sample":
        print("\n".join(sample(a.per_module, a.seed)))
    else:
        names = set(a.names.read_text("utf-8").split()) if a.names else None
        print(report(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
