"""No test asserts how long something took (#21): a test waits for a condition (tests/helpers.py `wait_until`, with a
ceiling only a hang reaches) and `make bench` (bench/run.py) prints the timings against their goals. A verdict that
depends on the wall clock fails on a loaded machine and passes on a fast one whatever the code does.

This reads every test file and fails on a clock that measures a span (time.monotonic, time.perf_counter: only the
helper that waits may read one) and on an assertion that compares a duration with a number.
"""
from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ALLOWED = {TESTS / "helpers.py", Path(__file__).resolve()}     # the waiting helper; this file's own examples

CLOCK = re.compile(r"\btime\.(?:monotonic|perf_counter)(?:_ns)?\b|\bfrom\s+time\s+import\b[^\n]*\b(?:monotonic|perf_counter)\b")
DURATION_ASSERT = re.compile(
    r"^\s*assert\b[^#\n]*\b(?:took|elapsed|duration|seconds_taken|latency|wall)\b\s*(?:<=?|>=?)\s*[\d.]"
    r"|^\s*assert\b[^#\n]*[\d.]+\s*(?:<=?|>=?)\s*(?:took|elapsed|duration|latency)\b")


def stopwatch_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every wall-clock measurement or duration assertion in a test file's text."""
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)
            if CLOCK.search(line) or DURATION_ASSERT.search(line)]


def test_the_check_finds_what_it_forbids_and_passes_what_is_allowed():
    bad = ["    t = time.monotonic()", "deadline = time.perf_counter() + 5", "from time import monotonic",
           "    assert took <= 10", "    assert elapsed < 60, 'slow'", "assert 30 >= took",
           "while time.monotonic_ns() < end:"]
    good = ["    wait_until(lambda: receipt.exists(), HANG, 'the receipt')", "os.utime(path, (time.time(), time.time()))",
            "    time.sleep(0.5)", "assert proc.wait(timeout=HANG) == 0", "assert took_over == 3  # a name",
            "# the old test asserted took <= 10"]
    assert [line for line in bad if not stopwatch_lines(line)] == []
    assert [line for line in good if stopwatch_lines(line)] == []


def test_no_test_times_the_wall_clock():
    found = [f"{p.relative_to(TESTS.parent)}:{n}: {line}"
             for p in sorted(TESTS.rglob("*.py")) if p.resolve() not in ALLOWED
             for n, line in stopwatch_lines(p.read_text(encoding="utf-8"))]
    assert found == [], "wait for a condition with tests/helpers.py wait_until instead; time it in bench/run.py:\n" + \
        "\n".join(found)
