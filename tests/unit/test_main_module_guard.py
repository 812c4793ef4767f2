"""tasks/intake/isolate.py hides the parent's main module while a child of the forkserver starts. The flow's reading
chunks start their children from several threads at once: the process's main module must be its own afterwards."""
from __future__ import annotations

import sys
import threading

from tasks.intake.isolate import _main_module_not_run


def test_overlapping_starts_leave_the_main_module_as_it_was():
    main = sys.modules["__main__"]
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with _main_module_not_run():
            first_in.set()
            second_in.wait(1.0)       # a second start overlapping this one, if the guard lets it in meanwhile
        first_out.set()

    def second() -> None:
        first_in.wait()
        with _main_module_not_run():
            second_in.set()
            first_out.wait(1.0)       # ends after the first one, as the race has it

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sys.modules["__main__"] is main
    assert second_in.is_set()          # the second start did happen
