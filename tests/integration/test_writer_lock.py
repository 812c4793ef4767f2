"""The writer lock, taken once per run: a command that has to wait for another run says so at once, on one line in
Chinese, naming the run it waits for (command, pid, user, since when) and how long it will wait; it hands the lock it
holds to the run, which does not take it again. The command runs in this process, its flow replaced by the library
call the flow makes (flows/pipeline.py), so no Prefect server is needed."""
from __future__ import annotations

import argparse
import getpass
import io
import json
import os
import re
import threading
import time
from datetime import datetime, timedelta

import pytest

from samples.workbooks import task_rows, write_xlsx
from tests.conftest import drop
from tests.helpers import HANG, q, wait_until
from warehouse.lock import WriterBusy, holder, writer_lock


class Stderr(io.StringIO):
    """sys.stderr for a command run in a thread: read while it is written."""

    def __init__(self):
        super().__init__()
        self.guard = threading.Lock()

    def write(self, s):
        with self.guard:
            return super().write(s)

    def text(self) -> str:
        with self.guard:
            return self.getvalue()


@pytest.fixture
def ingest_command(monkeypatch):
    """srdi.commands.ingest.run with its flow run replaced by the flow's own library call. wait_seconds=0: the run
    must use the lock the command hands it (taking it again, it would find it held and give up at once)."""
    import srdi.commands.ingest as cmd
    from flows.pipeline import ingest_inbox
    from warehouse.home import Home
    calls = []

    def run_flow(flow, home, settle_seconds, lock, on_progress):
        calls.append(lock)
        return ingest_inbox(Home.resolve(home), settle_seconds, False, lock=lock, wait_seconds=0,
                            on_progress=on_progress)
    monkeypatch.setattr(cmd, "run_flow", run_flow)
    monkeypatch.setattr(cmd, "quiet_prefect", lambda root: None)
    monkeypatch.delenv("SRDI_TASK_RUNNER", raising=False)
    return cmd, calls


def args(home, wait):
    return argparse.Namespace(home=str(home.root), settle=0.0, runner=None, wait=wait)


def test_a_second_ingest_says_at_once_whom_it_waits_for_then_runs(home, ingest_command, monkeypatch, capsys):
    cmd, calls = ingest_command
    write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", 1))
    err = Stderr()
    monkeypatch.setattr("sys.stderr", err)
    result: dict = {}
    with writer_lock(home, command="srdi rollup") as held:
        since = holder(home).since
        t = threading.Thread(target=lambda: result.setdefault("code", cmd.run(args(home, 120))))
        t.start()
        line = wait_until(lambda: next((ln for ln in err.text().splitlines() if "写入锁" in ln), None), HANG,
                          "the waiting line")
        assert "code" not in result                                  # told while waiting, not after
        assert held.held
    t.join(HANG)
    assert result["code"] == 0, err.text()
    assert line.startswith("srdi ingest: 写入锁被占用：srdi rollup，")
    # the holder's start (written in UTC) in the programme's zone, named: the default, Asia/Shanghai, is UTC+8 all year
    start = (datetime.fromisoformat(since) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert f"进程 {os.getpid()}，用户 {getpass.getuser()}，自 {start}（Asia/Shanghai）起" in line
    assert "最多等待 120 秒（--wait 可改）" in line
    assert [ln for ln in err.text().splitlines() if "写入锁" in ln] == [line]    # said once, on one line
    assert len(calls) == 1 and calls[0].held is False              # the command's own lock, released at the end
    assert q(home, "SELECT status FROM submissions") == [("loaded",)]
    assert "文件 1 个：已入库 1" in capsys.readouterr().out
    after = holder(home)                                             # the file names the last holder: this command
    assert (after.command, after.pid) == ("srdi ingest", os.getpid())


def test_past_wait_it_leaves_with_exit_3_and_moves_nothing(home, ingest_command, capsys):
    import srdi.cli
    _, calls = ingest_command
    write_xlsx(drop(home, "财政局", "任务2022Q2.xlsx"), task_rows("财政局", 1))
    with writer_lock(home, command="srdi templates"):
        code = srdi.cli.main(["ingest", "--home", str(home.root), "--settle", "0", "--wait", "0.3"])
    err = capsys.readouterr().err.splitlines()
    assert code == 3 and calls == []
    assert err[0].startswith("srdi ingest: 写入锁被占用：srdi templates，") and "最多等待 0.3 秒" in err[0]
    assert err[1].startswith("srdi ingest: 另一个入库或汇总任务正在写入，本次未运行 / srdi templates (pid ")
    assert (home.inbox / "财政局" / "任务2022Q2.xlsx").exists()


@pytest.mark.parametrize("argv", [
    ["ingest", "--settle", "0"],
    ["rollup", "quarterly", "--period", "2022Q3"],
    ["backfill", "--kind", "quarterly", "--from", "2022Q2", "--to", "2022Q3"],
    ["templates", "--period", "2022Q3"],
    ["publish"],
    ["demo"],
], ids=lambda argv: argv[0])
def test_every_command_that_writes_gives_up_past_wait_in_one_line_with_exit_3(home, monkeypatch, capsys, argv):
    """Each takes the writer lock itself before any flow, with --wait: past it, one line and exit 3, no flow run and
    no traceback. (`srdi templates` and `srdi backfill` took it inside their flow runs: a traceback, exit 1, and a
    waiting line that pointed to a --wait they did not have.)"""
    import importlib

    import srdi.cli
    from srdi.exits import Exit
    module = importlib.import_module(f"srdi.commands.{'rollup' if argv[0] == 'backfill' else argv[0]}")
    flows_run = []
    if hasattr(module, "run_flow"):
        monkeypatch.setattr(module, "run_flow", lambda flow, **kw: flows_run.append(flow))
        monkeypatch.setattr(module, "quiet_prefect", lambda root: None)
    with writer_lock(home, command="srdi templates"):
        code = srdi.cli.main([*argv, "--home", str(home.root), "--wait", "0.3"])
    err = capsys.readouterr().err
    assert code == Exit.WRITER_BUSY == 3, err
    assert flows_run == [] and "Traceback" not in err
    said = [line for line in err.splitlines() if "写入" in line]
    assert said[0].startswith(f"srdi {argv[0]}: 写入锁被占用：srdi templates，") and "最多等待 0.3 秒（--wait 可改）" in said[0]
    assert said[1].startswith(f"srdi {argv[0]}: 另一个入库或汇总任务正在写入，本次未运行 / srdi templates (pid ")
    assert len(said) == 2


def test_a_run_handed_no_lock_takes_it_itself_and_a_lock_is_not_reentrant(home):
    """A run without a caller's lock (a scheduled flow run) takes it; within one process a second acquisition waits
    like any other (the lock is handed down, never taken twice)."""
    from flows.pipeline import make_templates
    with writer_lock(home, command="srdi ingest"):
        with pytest.raises(WriterBusy):
            make_templates(home, "2022Q3", wait_seconds=0)
    assert make_templates(home, "2022Q3")["period"] == "2022Q3"
    assert holder(home).command == "templates"


@pytest.fixture
def server_in_utc(monkeypatch):
    """This process's local zone is UTC, as on a server: what the waiting line shows must not follow it."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("rules, shown", [
    # no time_zone in the home's rules: the programme's default, Asia/Shanghai (UTC+8, no summer time)
    ("", "自 2026-05-01 16:00（Asia/Shanghai）起"),
    # the home's own zone: New York keeps summer time (EDT, UTC-4) on 1 May
    ('time_zone = "America/New_York"\n', "自 2026-05-01 04:00（America/New_York）起"),
])
def test_the_waiting_line_shows_the_holders_start_in_the_programmes_zone(home, server_in_utc, capsys, rules, shown):
    from srdi.commands._writer import writer_lock_for
    if rules:
        home.rollup_config.write_text(rules, encoding="utf-8")
    with writer_lock(home, command="srdi rollup"):
        # the holder's line, as a holder that started at 08:00 UTC writes it
        home.lock_file.write_text(json.dumps({"command": "srdi rollup", "pid": 4321, "user": "alice",
                                              "since": "2026-05-01T08:00:00+00:00"}) + "\n", encoding="utf-8")
        with pytest.raises(WriterBusy) as gave_up:
            with writer_lock_for("ingest", home, 0.3):
                pass
    line = capsys.readouterr().err.splitlines()[0]
    assert line == (f"srdi ingest: 写入锁被占用：srdi rollup，进程 4321，用户 alice，{shown}正在写入；本次运行等待其结束，"
                    f"最多等待 0.3 秒（--wait 可改），Ctrl-C 取消")
    assert "UTC" not in line
    # the line it gives up with (srdi/commands/_writer.py gave_up) names the same start, in the same zone
    start, zone = re.search(r"自 (.+)（(.+)）起", shown).groups()
    assert str(gave_up.value) == (f"srdi rollup (pid 4321, user alice, since {start} {zone}) holds {home.lock_file}; "
                                  f"waited 0.3 s")
