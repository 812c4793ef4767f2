"""The README is a contract: its commands exist and parse, it says what the trial found missing, and a newcomer
gets from `srdi init` to a first pack by following it."""
from __future__ import annotations

import csv
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from srdi.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SRDI = [str(Path(sys.executable).with_name("srdi"))] if Path(sys.executable).with_name("srdi").exists() \
    else [sys.executable, "-m", "srdi.cli"]


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.M | re.S)


def command_lines(block: str) -> list[str]:
    """The `srdi …` lines of a block, without their comments."""
    out = []
    for line in block.splitlines():
        m = re.match(r"^(?:\.venv/bin/)?srdi (.*?)(?:\s{2,}#.*)?$", line)
        if m:
            out.append(m.group(1))
    return out


def section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 3)
    return README[start:end if end > 0 else None]


def test_the_two_make_targets_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^make (\w+)", README, flags=re.M):
        assert re.search(rf"^{target}:", makefile, flags=re.M), f"README names `make {target}` but the Makefile has no such target"
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def readme_commands() -> list[str]:
    """Every subcommand the README names, in a block (`srdi status`) or in the text (`srdi query`)."""
    return sorted(set(re.findall(r"^(?:\.venv/bin/)?srdi (\w+)", README, flags=re.M))
                  | set(re.findall(r"`(?:\.venv/bin/)?srdi (\w+)", README)))


def run_main(capsys, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return exc.value.code, capsys.readouterr().out


def test_srdi_help_lists_every_command_the_readme_names_and_each_has_its_help(capsys):
    """`srdi --help` lists every command the README uses, and `srdi <command> --help` of each exits 0 (a command the
    README names but srdi dropped or renamed fails here)."""
    code, top = run_main(capsys, "--help")
    assert code == 0
    listed = set(re.findall(r"^    ([a-z]+) ", top, flags=re.M))            # the command list: four spaces in
    assert set(readme_commands()) <= listed, (readme_commands(), top)
    for command in readme_commands():
        code, out = run_main(capsys, command, "--help")
        assert code == 0 and f"srdi {command}" in out, (command, out)


@pytest.mark.parametrize("line", [line for block in sh_blocks(README) for line in command_lines(block)])
def test_every_command_line_in_the_readme_parses(line):
    """Its options exist for its command (`--port` for serve, `--force` for rollup, `--format json` for status …).
    The slow test below runs them."""
    build_parser().parse_args(shlex.split(line))


def test_the_defaults_the_readme_states_are_the_commands_defaults(capsys):
    """The README's `--settle` seconds (default 2) and `--timeout` (default 300) are what `srdi ingest` and `srdi query`
    use when the option is not given; those and `--wait SECONDS` (default 600) are what `--help` says."""
    stated = {opt: float(v) for opt, v in re.findall(r"`(?:srdi \w+ )?(--settle|--wait|--timeout)[^`]*`[^`0-9]{0,40}default (\d+)",
                                                    README)}
    assert set(stated) == {"--settle", "--wait", "--timeout"}, stated
    from warehouse.query import DEFAULT_TIMEOUT
    assert build_parser().parse_args(["ingest"]).settle == stated["--settle"]
    assert build_parser().parse_args(["query", "SELECT 1"]).timeout == DEFAULT_TIMEOUT == stated["--timeout"]
    for command, opt in (("ingest", "--settle"), ("ingest", "--wait"), ("query", "--timeout")):
        _, out = run_main(capsys, command, "--help")
        assert f"(default {stated[opt]:.0f}" in " ".join(out.split()), (command, opt, out)


# ---------------------------------------------------------------- a newcomer, with the README only

def fill_template_like_a_clerk(template: Path, saved_as: Path) -> int:
    """Open the template in a spreadsheet program (openpyxl here), set every task's status, completion and progress,
    save it under a name of one's own (no quarter in it). Returns the number of tasks filled."""
    import openpyxl
    wb = openpyxl.load_workbook(template)
    ws = wb.worksheets[0]
    header_row = next(r for r in ws.iter_rows() if r[0].value == "任务编号")
    col = {"".join(str(c.value or "").split()): c.column for c in header_row}
    filled = 0
    for row in ws.iter_rows(min_row=header_row[0].row + 1):
        if not row[0].value:
            continue
        ws.cell(row[0].row, col["推进状态"], "推进中")
        ws.cell(row[0].row, col["完成进度（%）"], 40)
        ws.cell(row[0].row, col["本期进展"], "已组织召开专题会议，梳理重点企业名单")
        filled += 1
    saved_as.parent.mkdir(parents=True, exist_ok=True)
    wb.save(saved_as)
    return filled


# Everyday lines not run by the test below, and where they are run: `srdi serve` does not end by itself (and 4300 may
# be taken on a shared machine): tests/test_schedules.py starts it and stops it with Ctrl-C; `srdi docs` writes this
# repository's docs/warehouse.md: tests/test_docs.py runs it with --out.
NOT_RUN_HERE = {"serve", "docs"}


def test_a_newcomer_gets_from_srdi_init_to_a_first_pack_and_everyday_use_with_the_readme_only(tmp_path):
    """Runs the "Getting started" block line by line with the real `srdi`, then the "Everyday use" block on the home
    it made: the home the README names becomes a temporary folder; the comment line where a bureau fills its template
    is done as a clerk would (the template the README names, filled and saved under a name without a quarter into
    the folder it names). Each command exits 0 without a traceback, names the home first, and does what its comment
    says (the pack is where it says, the query finds the clerk's file, the CSV is written, `srdi init` run again
    keeps the leaders). The whole run leaves nothing in the temporary folder (srdi/cli.py `entry` ends without the
    interpreter's teardown, so the reading children's folder and their launcher are removed explicitly)."""
    block = sh_blocks(section("Getting started"))[0]
    everyday = sh_blocks(section("Everyday use"))[0]
    home_in_readme = re.search(r"srdi init --home (\S+)", block).group(1)
    home = tmp_path / "srdi-home"
    # a short folder of its own: under pytest-xdist tmp_path is too long for the reading forkserver's Unix socket
    # (AF_UNIX paths stop at 107 bytes; multiprocessing puts it in TMPDIR)
    tmp = Path(tempfile.mkdtemp(prefix="srdi-readme-", dir="/tmp" if os.path.isdir("/tmp") else None))
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "SRDI_HOME")}
    env.update(PYTHONPATH=str(ROOT), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false", TMPDIR=str(tmp))
    leader = '"工信局" = "张三"'

    def run(line: str) -> subprocess.CompletedProcess:
        args = command_lines(line)
        assert args, f"not a command of the README block: {line}"
        r = subprocess.run([*SRDI, *shlex.split(args[0])], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=900)
        assert r.returncode == 0 and "Traceback" not in r.stdout + r.stderr, f"{line}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        first = (r.stderr if shlex.split(args[0])[0] == "query" else r.stdout).splitlines()[0]   # query: stdout is data
        assert f"主目录 home: {home}" in first, (line, first)
        return r

    done = []
    for line in block.splitlines():
        line = line.replace(home_in_readme, str(home))
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").split("  #")[0].strip().partition("=")
            env[name] = value
            done.append("export")
        elif line.startswith("# "):
            # "a bureau fills its template and saves it, under any name, into its folder: share/inbox/工信局/"
            folder = re.search(r"(share/inbox/\S+?)/", line).group(1)
            bureau = Path(folder).name
            template = home / "share" / "outbox" / bureau / f"{bureau}_任务进展_2022Q2_模板.xlsx"
            assert template.exists(), sorted(p.name for p in template.parent.iterdir())
            assert fill_template_like_a_clerk(template, home / folder / "本季度任务进展.xlsx") > 0
            done.append("clerk")
        else:
            r = run(line)
            done.append(shlex.split(command_lines(line)[0])[0])
            if done[-1] == "init":
                # the README: remove the `# ` and write each responsible leader's name
                cfg = home / "rollup_config.toml"
                cfg.write_text(cfg.read_text(encoding="utf-8").replace('# "工信局" = ""', leader), encoding="utf-8")
            if done[-1] == "ingest":
                assert "已入库 1，退回 0" in r.stdout, r.stdout
                assert list((home / "share" / "outbox" / "工信局").glob("本季度任务进展_回执_*.xlsx"))
            if done[-1] == "rollup":
                said = re.search(r"the pack (\S+\.xlsx) and its brief (\S+\.docx)", line)
                pack = home / said.group(1)
                assert pack.exists() and (pack.parent / said.group(2)).exists(), r.stdout
                notice = next(ln for ln in r.stdout.splitlines() if "责任领导未配置" in ln)
                assert "工信局" not in notice.split("（共")[0]            # the leader the newcomer set is read
    assert done == ["init", "export", "templates", "clerk", "ingest", "rollup", "status"]

    ran = []
    for line in everyday.splitlines():
        command, *rest = shlex.split(command_lines(line)[0])
        if command in NOT_RUN_HERE:
            continue
        r = run(line)
        ran.append(command)
        if command == "rollup":
            assert (home / "reports" / "2022Q2" / "季调度_2022Q2.xlsx").exists()
        elif command == "backfill":
            assert [q for q in ("2022Q1", "2022Q2", "2022Q3", "2022Q4")
                    if not (home / "reports" / q / f"季调度_{q}.xlsx").exists()] == [], r.stdout
        elif command == "query" and "--out" in rest:
            with (tmp_path / rest[rest.index("--out") + 1]).open(encoding="utf-8-sig", newline="") as f:
                rows = list(csv.DictReader(f))
            assert [Path(row["file_name"]).name for row in rows] == ["本季度任务进展.xlsx"], rows
        elif command == "query":
            assert "本季度任务进展.xlsx" in r.stdout, r.stdout
        elif command == "templates":
            assert (home / "share" / "outbox" / "工信局" / "工信局_任务进展_2022Q3_模板.xlsx").exists()
        elif command == "init":                       # "Run again, it only adds a missing bureau folder"
            assert leader in (home / "rollup_config.toml").read_text(encoding="utf-8")
    assert sorted(set(ran)) == sorted({"status", "ingest", "rollup", "backfill", "query", "publish", "templates", "init",
                                       "mail"})
    left = sorted(p.name for p in tmp.iterdir())
    shutil.rmtree(tmp, ignore_errors=True)
    assert left == [], left
