"""Crash points for the crash-safety tests. `SRDI_CRASH_AT=name:n` SIGKILLs this process the n-th time the
pipeline passes `name`; `SRDI_CRASH_AT=name:n:raise` raises InjectedFault there instead, once (the n-th pass
only), the way an unexpected exception in that step would; `SRDI_CRASH_AT=name:n:pause` waits there (up to 10
minutes), so that a test can interrupt a step that would otherwise end before its signal came; once it waits, the
process writes its pid to the file SRDI_CRASH_PAUSED names, if set (what was running before the pause, logging
included, is over: a test that kills around a paused run knows what it kills). Unset (always,
outside those tests), a crash point does nothing.

POINTS are the windows between the ingest's steps, each killed and raised at by tests/e2e/test_crash.py. One more
point, `reading`, is inside each reading child before it checks a chunk (tasks/intake/isolate.py): in pause mode it
holds a child at work for as long as a test needs to interrupt the command around it (tests/e2e/test_interrupt.py)."""
from __future__ import annotations

import os
import signal
import time

_COUNTS: dict[str, int] = {}
POINTS = ("before-check", "before-commit", "after-commit", "after-outbox", "after-move", "before-publish-swap")


class InjectedFault(RuntimeError):
    """What a crash point in `raise` mode raises: an exception nobody expected, in the middle of a step."""


def reset() -> None:
    """Forget how often each point was passed (tests that arm a point in-process)."""
    _COUNTS.clear()


def crash_point(name: str) -> None:
    spec = os.environ.get("SRDI_CRASH_AT", "")
    if not spec:
        return
    want, _, rest = spec.partition(":")
    if want != name:
        return
    nth, _, mode = rest.partition(":")
    _COUNTS[name] = _COUNTS.get(name, 0) + 1
    if mode == "raise":
        if _COUNTS[name] == int(nth or 1):
            raise InjectedFault(f"injected fault at {name} (pass {_COUNTS[name]})")
    elif mode == "pause":
        if _COUNTS[name] == int(nth or 1):
            marker = os.environ.get("SRDI_CRASH_PAUSED")
            if marker:
                with open(marker, "a") as f:
                    f.write(f"{os.getpid()}\n")
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                time.sleep(0.05)
    elif _COUNTS[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
