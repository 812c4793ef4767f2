"""The command line can't be misused (#13 items 1, 2, 3, 5, 7): global options before or after the command, the home
said first, a home that must exist (only `srdi init` and `srdi demo` make one), one period parser for every
command, `--force` for a period that has not ended, no traceback when nothing is wrong, progress on long runs.

Everything the issue says about the command runs the real `srdi` entry point (.venv/bin/srdi) in a subprocess; the
pure parts (periods, parsing the command line, what a summary prints) are tests/unit/test_cli_parsing.py."""
from __future__ import annotations

import csv
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import command_env
from warehouse.home import Home

pytestmark = pytest.mark.usefixtures("shared_api")
ROOT = Path(__file__).resolve().parents[2]
SRDI = [str(Path(sys.executable).with_name("srdi"))] if Path(sys.executable).with_name("srdi").exists() \
    else [sys.executable, "-m", "srdi.cli"]
BUREAUS = [r["bureau"] for r in csv.DictReader((ROOT / "schemas/refdata/bureaus.csv").read_text(encoding="utf-8").splitlines())]
# who owes reports (rollup_config.toml: the six service-team bureaus' library, the Annex 2 units' task progress)
OWING = ["农业农村局", "工信局", "住建局", "商务局", "文广旅局", "发改局", "人民银行", "人社局", "司法局", "市监局", "教育局",
         "财政局", "银保监"]




def srdi(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*SRDI, *args], cwd=kw.pop("cwd", ROOT), env=kw.pop("env", None) or command_env(*args),
                          capture_output=True, text=True, timeout=kw.pop("timeout", 900), **kw)


def clean(r: subprocess.CompletedProcess) -> None:
    """Exit 0, and nothing that looks like a crash."""
    text = r.stdout + r.stderr
    assert r.returncode == 0, text[-4000:]
    assert "Traceback" not in text and "Reactive triggers" not in text and "Error:" not in text, text[-4000:]


def tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


# ---------------------------------------------------------------- the real command: homes

def test_init_lays_out_the_share_and_the_leaders_to_fill_in(tmp_path):
    home = tmp_path / "srdi-home"
    r = srdi("init", "--home", str(home))
    clean(r)
    lines = r.stdout.splitlines()
    assert lines[0] == f"srdi init · 主目录 home: {home}（--home，新建 / new）"
    assert sorted(p.name for p in (home / "share" / "inbox").iterdir()) == sorted(BUREAUS)
    assert Home.resolve(home).is_home()
    for step in ("srdi templates", "srdi ingest", "srdi rollup quarterly", "srdi status", "[leaders]"):
        assert step in r.stdout, step
    # the rules: the packaged file, with every owing bureau listed (commented) under [leaders]
    from schemas.rollup_config import load
    cfg_path = home / "rollup_config.toml"
    cfg = load(cfg_path)
    assert cfg.leaders == {} and cfg.deadline_days == 10
    leaders = cfg_path.read_text(encoding="utf-8").split("\n[leaders]\n")[1].split("\n\n")[0]
    assert re.findall(r'^# "(.+)" = ""$', leaders, flags=re.M) == OWING
    filled = cfg_path.read_text(encoding="utf-8").replace('# "工信局" = ""', '"工信局" = "张三"')
    cfg_path.write_text(filled, encoding="utf-8")
    assert load(cfg_path).leader("工信局") == "张三"
    # again: adds a missing folder, keeps the rules as the operator left them
    (home / "share" / "inbox" / "财政局").rmdir()
    again = srdi("init", "--home", str(home))
    clean(again)
    assert "already a home" in again.stdout and "财政局" in again.stdout
    assert (home / "share" / "inbox" / "财政局").is_dir() and cfg_path.read_text(encoding="utf-8") == filled
    # never over someone's files
    busy = tmp_path / "documents"
    busy.mkdir()
    (busy / "年终总结.docx").write_bytes(b"x")
    r = srdi("init", "--home", str(busy))
    assert r.returncode == 2 and "年终总结.docx" in r.stderr and "Traceback" not in r.stderr
    assert tree(busy) == ["年终总结.docx"]


COMMANDS = [["ingest"], ["rollup", "quarterly", "--period", "2022Q2"], ["backfill", "--kind", "annual", "--from", "2022",
            "--to", "2022"], ["templates"], ["query", "SELECT 1"], ["publish"], ["status"], ["serve", "--port", "1"],
            ["docs", "--out", "/dev/null"]]


@pytest.mark.parametrize("args", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_folder_that_is_not_a_home_stops_every_command_and_creates_nothing(tmp_path, args):
    typo = tmp_path / "srdi-hoem"
    r = srdi(*args, "--home", str(typo))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "不存在" in r.stderr and "does not exist" in r.stderr and f"srdi init --home {typo}" in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert not typo.exists()
    other = tmp_path / "other"          # a folder, but not a home
    other.mkdir()
    (other / "notes.txt").write_text("x")
    r = srdi("--home", str(other), *args)
    assert r.returncode == 2 and "不是 srdi 主目录" in r.stderr and "is not an srdi home" in r.stderr, r.stderr
    assert tree(other) == ["notes.txt"]
    r = srdi(*args, env=command_env(*args, SRDI_HOME=str(typo)))
    assert r.returncode == 2 and "SRDI_HOME" in r.stderr and not typo.exists()


def test_the_home_is_said_first_wherever_it_was_given(tmp_path):
    home = tmp_path / "h"
    clean(srdi("init", "--home", str(home)))
    for args, e, source in ((["--home", str(home), "status"], None, "--home"),
                            (["status", "--home", str(home)], None, "--home"),
                            (["status"], command_env("status", SRDI_HOME=str(home)), "SRDI_HOME"),
                            (["status", "--home", str(home)], command_env("status", SRDI_HOME=str(tmp_path / "elsewhere")), "--home")):
        r = srdi(*args, env=e)
        clean(r)
        assert r.stdout.splitlines()[0] == f"srdi status · 主目录 home: {home}（{source}）", args
    r = srdi("status", cwd=tmp_path)          # the default, ./srdi-home, is not there
    assert r.returncode == 2 and "默认 default ./srdi-home" in r.stderr
    (tmp_path / "srdi-home").mkdir()
    r = srdi("status", cwd=tmp_path)
    assert r.returncode == 2 and "不是 srdi 主目录" in r.stderr and tree(tmp_path / "srdi-home") == []


def test_a_period_that_has_not_ended_asks_for_force(tmp_path):
    from schemas.periods import next_period, today_in_china
    home = tmp_path / "h"
    clean(srdi("init", "--home", str(home)))
    today = today_in_china()
    this_quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    r = srdi("rollup", "quarterly", "--period", next_period("quarterly", this_quarter), "--home", str(home))
    assert r.returncode == 2 and "--force" in r.stderr and "尚未结束" in r.stderr and "Traceback" not in r.stderr
    r = srdi("backfill", "--kind", "annual", "--from", "2022", "--to", str(today.year), "--home", str(home))
    assert r.returncode == 2 and f"{today.year}年" in r.stderr and "--force" in r.stderr
    for bad in (["rollup", "quarterly", "--period", "2022H1"], ["templates", "--period", "2022年"],
                ["status", "--period", "2022H2"], ["backfill", "--kind", "midyear", "--from", "2022Q1", "--to", "2022H2"]):
        r = srdi(*bad, "--home", str(home))
        assert r.returncode == 2 and " / " in r.stderr and "Traceback" not in r.stderr, bad
    assert not (home / "reports").exists() or tree(home / "reports") == []


# ---------------------------------------------------------------- the real command: a home with data

@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Home:
    home = Home.resolve(tmp_path_factory.mktemp("cli") / "home")
    r = srdi("demo", "--home", str(home.root))
    clean(r)
    assert r.stdout.splitlines()[0] == f"srdi demo · 主目录 home: {home.root}（--home，新建 / new）"
    return home


def server_log_is_clean(home: Home) -> None:
    for log in (home.state / "logs").glob("*.log"):
        text = log.read_text(errors="replace")
        assert "Traceback" not in text and "Reactive triggers" not in text, f"{log}:\n{text[-3000:]}"


def test_no_traceback_when_nothing_is_wrong(demo_home, tmp_path):
    """Every command, on a home with data, the way an operator types it: exit 0, the home first, no traceback (in
    the terminal or in the log of the Prefect server the command started)."""
    home = str(demo_home.root)
    runs = {
        "ingest": srdi("ingest", "--home", home),
        "rollup": srdi("--home", home, "rollup", "quarterly", "--period", "2022年第三季度"),
        "backfill": srdi("backfill", "--kind", "quarterly", "--from", "2022-Q2", "--to", "2022年第三季度", "--home", home),
        "templates": srdi("templates", "--period", "2022年第四季度", "--home", home),
        "query": srdi("query", "--format", "csv", "SELECT count(*) AS n FROM submissions", "--home", home),
        "publish": srdi("publish", "--home", home),
        "status": srdi("status", "--home", home),
        "status-json": srdi("status", "--format", "json", "--home", home),
        "docs": srdi("docs", "--home", home, "--out", str(tmp_path / "warehouse.md")),
        "init": srdi("init", "--home", home),
    }
    for name, r in runs.items():
        clean(r)
        first = (r.stderr if name in ("query", "status-json") else r.stdout).splitlines()[0]
        assert first.startswith(f"srdi {name.split('-')[0]} · 主目录 home: {home}（--home"), (name, first)
    server_log_is_clean(demo_home)
    assert runs["query"].stdout.splitlines()[0].lstrip("\ufeff") == "n"        # stdout is the data only
    assert "季调度（2022年第三季度）" in runs["rollup"].stdout
    assert "  注意：责任领导未配置：" in runs["rollup"].stdout                 # the rollup's notices, each on a line
    assert "2022年第四季度填报模板" in runs["templates"].stdout
    # backfill: one line per period (no terminal here), then each result
    bf = runs["backfill"]
    assert re.findall(r"^srdi backfill: (\S+) 完成：已处理 (\d)/2 个报告期", bf.stderr, flags=re.M) == [("2022Q2", "1"), ("2022Q3", "2")]
    assert [ln for ln in bf.stdout.splitlines() if ln.startswith("季调度")] == [
        f"季调度（2022年第二季度）：{home}/reports/2022Q2/季调度_2022Q2.xlsx",
        f"季调度（2022年第三季度）：{home}/reports/2022Q3/季调度_2022Q3.xlsx"]


def test_a_forced_rollup_of_a_period_not_ended_runs_and_says_so(demo_home):
    from schemas.periods import today_in_china
    today = today_in_china()
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    r = srdi("rollup", "quarterly", "--period", quarter, "--force", "--home", str(demo_home.root))
    clean(r)
    assert "尚未结束" in r.stdout and "--force" in r.stdout
    assert (demo_home.reports / quarter / f"季调度_{quarter}.xlsx").exists()


def share(tmp_path) -> tuple[Path, int]:
    from samples.share import build_sample_share
    home = tmp_path / "h"
    clean(srdi("init", "--home", str(home)))
    written = build_sample_share(home / "share" / "inbox")
    return home, len(written)


def test_ingest_prints_one_line_per_batch_not_one_per_file(tmp_path):
    """No terminal: a line per batch with the counts so far and the time left; Prefect's line per loaded file is
    left out. The batch size is made 5 for the test (flows/pipeline.py: BATCH_SIZE, 400), through the real `main`."""
    home, files = share(tmp_path)
    code = "import sys, flows.pipeline; flows.pipeline.BATCH_SIZE = 5; from srdi.cli import main; sys.exit(main())"
    r = subprocess.run([sys.executable, "-c", code, "ingest", "--home", str(home), "--settle", "0"], cwd=ROOT, env=command_env(),
                       capture_output=True, text=True, timeout=900)
    clean(r)
    batches = re.findall(r"^srdi ingest: 第 (\d+) 批完成：已处理 (\d+)/(\d+) 个文件", r.stderr, flags=re.M)
    expected = [(str(i + 1), str(min(5 * (i + 1), files)), str(files)) for i in range(-(-files // 5))]
    assert batches == expected, r.stderr[-3000:]
    assert "预计还需" in r.stderr
    assert not re.search(r"load-submissions.* - .*: (loaded|rejected|duplicate) \(\d+\)", r.stderr)   # none per file


def test_ingest_shows_a_progress_bar_at_a_terminal(tmp_path):
    home, files = share(tmp_path)
    master, slave = pty.openpty()
    proc = subprocess.Popen([*SRDI, "ingest", "--home", str(home), "--settle", "0"], cwd=ROOT, stdin=slave, stdout=slave,
                            stderr=slave, env=command_env(TERM="xterm-256color", COLUMNS="160"), close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=600) == 0
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", "replace"))
    assert "Traceback" not in text
    assert re.search(rf"入库.*{files}/{files} 个文件", text), text[-3000:]
    assert "剩余" in text and "用时" in text
    assert "批完成" not in text                                    # the bar, not the lines for a log
