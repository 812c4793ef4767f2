"""Crash points for the crash-safety tests: `SRDI_CRASH_AT=name:n` SIGKILLs this process the n-th time
the pipeline passes `name`. Unset (always, outside those tests), a crash point does nothing."""
from __future__ import annotations

import os
import signal

_SPEC = os.environ.get("SRDI_CRASH_AT", "")
_COUNTS: dict[str, int] = {}
POINTS = ("before-check", "before-commit", "after-commit", "after-outbox", "after-move", "before-publish-swap")


def crash_point(name: str) -> None:
    if not _SPEC:
        return
    want, _, nth = _SPEC.partition(":")
    if want != name:
        return
    _COUNTS[name] = _COUNTS.get(name, 0) + 1
    if _COUNTS[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
