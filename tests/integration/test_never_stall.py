"""One bad file never stops the others: for each kind of bad file, among good files from other bureaus, the good
ones load and publish in the same run, the bad one gets an answer (rejected with a Chinese reason, or a note in
an outbox), and the next run finishes cleanly. With the real `srdi ingest` command: tests/e2e/test_never_stall_cli.py."""
from __future__ import annotations

import errno
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest

from samples.workbooks import task_rows, write_xlsx
from tests.conftest import drop
from tests.helpers import q
from tests.integration.test_ingest import files_under
from warehouse.home import Home
from warehouse.names import NAME_MAX


GOOD = ("人民银行", "人社局", "财政局")


def drop_good(home: Home) -> list[str]:
    rels = []
    for i, bureau in enumerate(GOOD):
        write_xlsx(drop(home, bureau, f"{bureau}任务2022Q2.xlsx"), task_rows(bureau, i + 1))
        rels.append(f"{bureau}/{bureau}任务2022Q2.xlsx")
    return rels


def raw_path(folder: Path, name: bytes) -> Path:
    """A path whose last part is `name` as bytes (what an old Windows share leaves: not UTF-8)."""
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + name))


def notes(home: Home) -> dict[str, str]:
    return {str(p.relative_to(home.outbox)): p.read_text(encoding="utf-8-sig")
            for p in home.outbox.rglob("*_未处理说明.txt")}


def outcome(home: Home, like: str) -> list[tuple]:
    return q(home, "SELECT status, file_name FROM submissions WHERE source_path LIKE ? ORDER BY submission_id", [like])


# ---------------------------------------------------------------- one kind of bad file each
# make(home, monkeypatch) drops the bad file; check(home, summary) is what must be true after the first run.

def gbk_name(home, mp):
    folder = drop(home, "工信局", "x").parent
    write_xlsx(raw_path(folder, "工信局任务进展2022Q2".encode("gbk") + b".xlsx"), task_rows("工信局", 4))

    def check(home, summary):
        # renamed to its GB18030 reading, loaded, and the bureau is told in its receipt
        assert outcome(home, "工信局/%") == [("loaded", "工信局任务进展2022Q2.xlsx")]
        (receipt,) = (home.outbox / "工信局").glob("*_回执_*.xlsx")
        text = " ".join(str(c) for r in openpyxl.load_workbook(receipt).active.iter_rows(values_only=True) for c in r if c)
        assert "不是 UTF-8 编码" in text and "工信局任务进展2022Q2.xlsx" in text
        assert ("file.name_encoding", "warning") in q(home, "SELECT rule, severity FROM validation_errors v "
                                                         "JOIN submissions s USING (submission_id) WHERE s.bureau = '工信局'")
    return check


def undecodable_name(home, mp):
    folder = drop(home, "工信局", "x").parent
    write_xlsx(raw_path(folder, b"\xff\xfe\x80" + b"2022Q2.xlsx"), task_rows("工信局", 4))

    def check(home, summary):
        ((status, name),) = outcome(home, "工信局/%")
        assert status == "loaded" and name.endswith("2022Q2.xlsx") and name.isprintable()
    return check


def long_name(home, mp):
    name = "工信局" + "任务进展" * 19 + "2022Q2.xlsx"
    assert 240 < len(name.encode()) <= NAME_MAX
    write_xlsx(drop(home, "工信局", name), task_rows("工信局", 4))

    def check(home, summary):
        assert outcome(home, "工信局/%")[0][0] == "loaded"
        written = [p for p in home.share.rglob("*") if p.is_file() and not p.is_relative_to(home.inbox)]
        assert all(len(p.name.encode()) <= NAME_MAX for p in written)
        (receipt,) = (home.outbox / "工信局").glob("*.xlsx")
        sid = q(home, "SELECT submission_id FROM submissions WHERE bureau = '工信局'")[0][0]
        assert receipt.name.endswith(f"_回执_{sid}.xlsx")          # the id and the extension kept
        (archived,) = files_under(home.archive / "工信局")
        assert archived.suffix == ".xlsx"
    return check


def unreadable(home, mp):
    path = write_xlsx(drop(home, "工信局", "工信局任务2022Q2.xlsx"), task_rows("工信局", 4))
    if os.geteuid() != 0:
        path.chmod(0o000)   # another account's umask 077
    else:                   # root reads anything: refuse this one file the way the kernel would
        import builtins
        real = builtins.open

        def denied(file, *args, **kwargs):
            if Path(file) == path if isinstance(file, (str, os.PathLike)) else False:
                raise PermissionError(errno.EACCES, "Permission denied", str(file))
            return real(file, *args, **kwargs)
        mp.setattr(builtins, "open", denied)

    def check(home, summary):
        assert outcome(home, "工信局/%") == [("rejected", "工信局任务2022Q2.xlsx")]
        (rule,) = q(home, "SELECT rule FROM validation_errors")
        assert rule == ("file.permission",)
        assert (home.rejected / "工信局" / "工信局任务2022Q2.xlsx").exists()
        assert list((home.outbox / "工信局").glob("*_错误清单_*.xlsx"))
    return check


def _noted(reason_words: str, where: str, stays: str, also: str | None = None):
    """One note in `where`; `also`: the bureau an entry outside every bureau folder names gets a copy (issue 19)."""
    def check(home, summary):
        found = notes(home)
        assert len(found) == 1 + (also is not None), found
        path, text = next((p, t) for p, t in found.items() if p.startswith(where + "/"))
        assert reason_words in text and "办法" in text
        if also:
            (copy,) = [t for p, t in found.items() if p.startswith(also + "/")]
            assert reason_words in copy and "本说明也送达本单位" in copy
        assert os.path.lexists(home.inbox / stays)         # left in place
        assert q(home, "SELECT count(*) FROM submissions")[0][0] == len(GOOD)
    return check


def hidden_file(home, mp):
    write_xlsx(drop(home, "工信局", ".工信局任务2022Q2.xlsx"), task_rows("工信局", 4))
    return _noted("以“.”开头", "工信局", "工信局/.工信局任务2022Q2.xlsx")


def fifo(home, mp):
    os.mkfifo(drop(home, "工信局", "工信局任务2022Q2.xlsx"))
    return _noted("不是普通文件", "工信局", "工信局/工信局任务2022Q2.xlsx")


def symlink(home, mp):
    target = write_xlsx(home.root / "elsewhere" / "任务2022Q2.xlsx", task_rows("工信局", 4))
    os.symlink(target, drop(home, "工信局", "工信局任务2022Q2.xlsx"))
    return _noted("符号链接", "工信局", "工信局/工信局任务2022Q2.xlsx")


def unknown_folder(home, mp):
    write_xlsx(drop(home, "科技局", "科技局任务2022Q2.xlsx"), task_rows("工信局", 4))
    return _noted("不是已知的责任单位", "_未处理", "科技局/科技局任务2022Q2.xlsx")


def new_folder(home, mp):
    write_xlsx(drop(home, "新建文件夹", "任务2022Q2.xlsx"), task_rows("工信局", 4))
    return _noted("新建文件夹", "_未处理", "新建文件夹/任务2022Q2.xlsx")


def inbox_root(home, mp):
    write_xlsx(home.inbox / "工信局任务2022Q2.xlsx", task_rows("工信局", 4))
    return _noted("根目录", "_未处理", "工信局任务2022Q2.xlsx", also="工信局")


def future_mtime(home, mp):
    path = write_xlsx(drop(home, "工信局", "工信局任务2022Q2.xlsx"), task_rows("工信局", 4))
    later = time.time() + 30 * 86400
    os.utime(path, (later, later))

    def check(home, summary):
        ((status, _),) = outcome(home, "工信局/%")
        assert status == "loaded"                            # not "still being written" for a month
        (received,) = q(home, "SELECT received_at FROM submissions WHERE bureau = '工信局'")[0]
        assert abs(received - datetime.now(timezone.utc)) < timedelta(minutes=5)   # when srdi saw it, not the sender's clock
    return check


def feedback_fails(home, mp):
    write_xlsx(drop(home, "工信局", "工信局任务2022Q2.xlsx"), task_rows("工信局", 4))
    import tasks.bureau.receipt as receipt_module   # tasks.bureau.outbox imports write_receipt when it writes one
    real = receipt_module.write_receipt

    def broken(path, receipt):
        if receipt.bureau == "工信局":
            raise TypeError("a workbook nobody could build")
        return real(path, receipt)
    mp.setattr(receipt_module, "write_receipt", broken)

    def check(home, summary):
        assert outcome(home, "工信局/%")[0][0] == "loaded"
        (text,) = (home.outbox / "工信局").glob("*_回执_*.txt")   # the bureau still hears, in plain text
        assert "已通过校验并入库" in text.read_text(encoding="utf-8-sig")
        assert files_under(home.archive / "工信局")
    return check


def load_fails(home, mp):
    write_xlsx(drop(home, "工信局", "工信局任务2022Q2.xlsx"), task_rows("工信局", 4))
    import warehouse.submissions as wl
    real = wl.write_file_submissions

    def broken(con, records, *args, **kwargs):
        if records[0].bureau == "工信局" and records[0].status == "loaded":
            raise ValueError("a row nobody foresaw")
        return real(con, records, *args, **kwargs)
    mp.setattr(wl, "write_file_submissions", broken)

    def check(home, summary):
        assert outcome(home, "工信局/%") == [("rejected", "工信局任务2022Q2.xlsx")]
        (message,) = q(home, "SELECT message FROM validation_errors WHERE rule = 'file.internal_error'")[0]
        assert "ValueError" in message and "退回" in message
        assert q(home, "SELECT count(*) FROM task_reports r JOIN submissions s USING (submission_id) "
                       "WHERE s.bureau = '工信局'")[0][0] == 0
    return check


def discover_fails(home, mp):
    write_xlsx(drop(home, "工信局", "工信局任务2022Q2.xlsx"), task_rows("工信局", 4))
    import tasks.intake.discover as discover
    real = discover._read

    def broken(scan, path, *args):
        if "工信局" in path.name:
            raise OSError(errno.EIO, "Input/output error", str(path))
        return real(scan, path, *args)
    mp.setattr(discover, "_read", broken)
    return _noted("出错", "工信局", "工信局/工信局任务2022Q2.xlsx")


def replaced_while_running(home, mp):
    path = write_xlsx(drop(home, "工信局", "工信局任务2022Q2.xlsx"), task_rows("工信局", 4))
    import tasks.intake.file_away as fa
    real = fa._feedback

    def replace_then_feedback(data, home_, ids, src, name):
        if src is not None and "工信局" in name:
            write_xlsx(path, task_rows("工信局", 5))          # the clerk saves a new version meanwhile
        return real(data, home_, ids, src, name)
    mp.setattr(fa, "_feedback", replace_then_feedback)

    def check(home, summary):
        # the old bytes were loaded and answered; nothing of them is archived as if it were the new ones
        assert [h["file"] for h in summary["held"]] == ["工信局/工信局任务2022Q2.xlsx"]
        assert q(home, "SELECT stored_path, moved FROM submissions WHERE bureau = '工信局'") == [(None, True)]
        assert path.exists() and not (home.archive / "工信局").exists()
    return check


KINDS = [gbk_name, undecodable_name, long_name, unreadable, hidden_file, fifo, symlink, unknown_folder, new_folder,
         inbox_root, future_mtime, feedback_fails, load_fails, discover_fails, replaced_while_running]


@pytest.mark.parametrize("make", KINDS, ids=[k.__name__ for k in KINDS])
def test_one_bad_file_among_good_ones(home, run_ingest, monkeypatch, make):
    good = drop_good(home)
    check = make(home, monkeypatch)
    summary = run_ingest(home)
    loaded = {r["file"] for r in summary["results"] if r["outcome"] == "loaded"}
    assert set(good) <= loaded                                                  # the good ones load …
    published = {r[0] for r in q(home, "SELECT source_path FROM submissions WHERE status = 'loaded'")}
    assert set(good) <= published                                               # … and are published
    assert summary["storage_error"] is None
    check(home, summary)
    before = notes(home)
    monkeypatch.undo()
    summary = run_ingest(home)                                                  # the next run finishes cleanly
    assert summary["storage_error"] is None and notes(home) == before           # notes are written once
    assert q(home, "SELECT source_path, sha256 FROM submissions GROUP BY ALL HAVING count(*) > 1") == []


def test_a_replaced_file_is_read_again_by_the_next_run(home, run_ingest, monkeypatch):
    """What was read is what is archived: the new version is a new arrival, and supersedes."""
    drop_good(home)
    replaced_while_running(home, monkeypatch)
    run_ingest(home)
    new = (home.inbox / "工信局" / "工信局任务2022Q2.xlsx").read_bytes()
    monkeypatch.undo()
    summary = run_ingest(home)
    assert [r["outcome"] for r in summary["results"]] == ["loaded"]
    assert q(home, "SELECT status, stored_path IS NULL FROM submissions WHERE bureau = '工信局' ORDER BY 1") == [
        ("loaded", False), ("superseded", True)]
    (archived,) = files_under(home.archive / "工信局")
    assert archived.read_bytes() == new


def test_a_file_changed_after_reading_and_before_its_commit_is_left_for_the_next_run(home, run_ingest, monkeypatch):
    path = write_xlsx(drop(home, "工信局", "工信局任务2022Q2.xlsx"), task_rows("工信局", 4))
    drop_good(home)
    import tasks.intake.load as load
    real = load._load_one

    def change_first(con, home_, sub, *args):
        if sub.bureau == "工信局" and not getattr(change_first, "done", False):
            change_first.done = True
            write_xlsx(path, task_rows("工信局", 5))
        return real(con, home_, sub, *args)
    monkeypatch.setattr(load, "_load_one", change_first)
    summary = run_ingest(home)
    assert [h["file"] for h in summary["held"]] == ["工信局/工信局任务2022Q2.xlsx"]
    assert q(home, "SELECT count(*) FROM submissions WHERE bureau = '工信局'")[0][0] == 0   # nothing of it committed
    new = path.read_bytes()
    monkeypatch.undo()
    summary = run_ingest(home)
    assert [r["outcome"] for r in summary["results"]] == ["loaded"]
    (archived,) = files_under(home.archive / "工信局")
    assert archived.read_bytes() == new
