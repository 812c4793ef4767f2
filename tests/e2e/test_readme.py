"""The README is a contract: its commands exist and parse, it says what the trial found missing, and a newcomer
gets from `srdi init` to a first pack by following it."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
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


@pytest.mark.parametrize("command", sorted(set(re.findall(r"^(?:\.venv/bin/)?srdi (\w+)", README, flags=re.M))
                                           | set(re.findall(r"`(?:\.venv/bin/)?srdi (\w+)", README))))
def test_every_srdi_command_in_the_readme_exists(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert command in capsys.readouterr().out


@pytest.mark.parametrize("line", [line for block in sh_blocks(README) for line in command_lines(block)])
def test_every_command_line_in_the_readme_parses(line):
    """Its options exist for its command (`--port` for serve, `--force` for rollup, `--format json` for status …)."""
    build_parser().parse_args(shlex.split(line))


@pytest.mark.parametrize("what,pattern", [
    ("CSV and .ods are read", r"CSV.*\.ods|\.ods.*CSV"),
    ("serve --port", r"srdi serve --port"),
    ("the 2 s --settle default", r"`--settle` seconds \(default 2\)"),
    ("a bureau's folder is simply created in share/inbox/", r"A bureau's folder is nothing more than a folder in `share/inbox/`"),
    ("the template's hidden metadata names the period", r"hidden metadata sheet names the bureau and the period"),
    ("close a DuckDB connection before it sees new data", r"close the connection first \(`con\.close\(\)`\)"),
    ("srdi init", r"`srdi init` makes the home"),
    ("srdi status", r"`srdi status` shows on one screen"),
    ("global options", r"\*\*Global options\*\* go before or after the command"),
    ("periods in every form, --force", r"A period that has not\s+ended yet is computed only with `--force`"),
])
def test_the_readme_says_what_the_trial_found_missing(what, pattern):
    assert re.search(pattern, README, flags=re.S), what


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


@pytest.mark.slow
def test_a_newcomer_gets_from_srdi_init_to_a_first_pack_with_the_readme_only(tmp_path):
    """Runs the "Getting started" block line by line with the real `srdi`: the home it names becomes a temporary
    folder; the comment line where a bureau fills its template is done as a clerk would (the template the README
    names, filled and saved under a name without a quarter into the folder it names). The pack is where it says."""
    block = sh_blocks(section("Getting started"))[0]
    home_in_readme = re.search(r"srdi init --home (\S+)", block).group(1)
    home = tmp_path / "srdi-home"
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "SRDI_HOME", "SRDI_OWNER")}
    env.update(PYTHONPATH=str(ROOT), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
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
            args = command_lines(line)
            assert args, f"not a command of the README block: {line}"
            r = subprocess.run([*SRDI, *shlex.split(args[0])], cwd=tmp_path, env=env, capture_output=True, text=True,
                               timeout=900)
            assert r.returncode == 0 and "Traceback" not in r.stdout + r.stderr, f"{line}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
            assert f"主目录 home: {home}" in r.stdout.splitlines()[0]
            done.append(shlex.split(args[0])[0])
            if done[-1] == "init":
                # the README: remove the `# ` and write each responsible leader's name
                cfg = home / "rollup_config.toml"
                cfg.write_text(cfg.read_text(encoding="utf-8").replace('# "工信局" = ""', '"工信局" = "张三"'),
                               encoding="utf-8")
            if done[-1] == "ingest":
                assert "已入库 1，退回 0" in r.stdout, r.stdout
                assert list((home / "share" / "outbox" / "工信局").glob("本季度任务进展_回执_*.xlsx"))
            if done[-1] == "rollup":
                pack = re.search(r"the pack: (\S+\.xlsx)", line).group(1)
                assert (home / pack).exists(), r.stdout
                notice = next(l for l in r.stdout.splitlines() if "责任领导未配置" in l)
                assert "工信局" not in notice.split("（共")[0]            # the leader the newcomer set is read
    assert done == ["init", "export", "templates", "clerk", "ingest", "rollup", "status"]
