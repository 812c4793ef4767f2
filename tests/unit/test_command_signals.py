"""Which handler takes a SIGTERM decides who begins a command's stop (srdi/runtime.py `Command._watch_signals`): the
watching thread begins it only when our handler is not the one installed (Prefect's, while a flow runs); when ours
is, ours begins it and raises KeyboardInterrupt in the main thread, so the command unwinds at once instead of
waiting for the forced exit."""
from __future__ import annotations

import signal

from srdi.runtime import Command


def test_the_watcher_knows_whether_our_handler_or_another_takes_a_sigterm():
    with Command("test", own_process=True) as cmd:
        assert cmd.own_process, "the test runs in the main thread"
        assert cmd._handles(signal.SIGTERM)
        assert cmd._handles(signal.SIGINT)
        ours = signal.signal(signal.SIGTERM, lambda s, f: None)        # as Prefect's engine does while a flow runs
        try:
            assert not cmd._handles(signal.SIGTERM)
        finally:
            signal.signal(signal.SIGTERM, ours)
        assert cmd._handles(signal.SIGTERM)
    assert cmd.signum is None
