"""Issue 24, the items that need the real `srdi` command in a process of its own: a pipe no check can see ends the
command after its timeout; a home on a read-only mount is one line and a non-zero exit."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from samples.workbooks import task_rows, write_xlsx
from tests.conftest import drop
from tests.helpers import after_home_line
from tests.integration.test_sec_edges import ENV, ROOT, fifo, wh, writer  # noqa: F401 (fixtures)


def test_a_pipe_the_check_cannot_see_ends_the_command_after_its_timeout(wh, fifo):
    sql = f"SELECT * FROM read_csv(concat('{fifo.parent}/pi', 'pe.csv'))"      # no literal names the pipe
    res = subprocess.run([sys.executable, "-m", "srdi.cli", "query", "--home", str(wh.root), "--timeout", "2",
                          "--format", "csv", sql], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=55)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    err = after_home_line(res.stderr, "query")
    assert "无法中断" in err and err.count("\n") == 1


def _unshare_ok() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-m", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _unshare_ok(), reason="needs `unshare -m` (root or user namespaces) for a real read-only mount")
@pytest.mark.parametrize("command", ["ingest", "publish", "rollup"])
def test_a_home_on_a_read_only_mount_is_one_line_and_a_non_zero_exit(writer, command):
    write_xlsx(drop(writer, "人民银行", "任务2022Q2.xlsx"), task_rows("人民银行", seed=1))
    h = str(writer.root)
    args = {"rollup": ["rollup", "quarterly", "--period", "2022Q2"]}.get(command, [command])
    script = (f'mount --bind "{h}" "{h}" && mount -o remount,ro,bind "{h}" && exec "{sys.executable}" -m srdi.cli '
              + " ".join(args) + f' --home "{h}"')
    res = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=ENV, cwd=ROOT,
                         timeout=300)
    assert res.returncode not in (0, 1) and "Traceback" not in res.stderr + res.stdout, res.stderr
    assert "只读" in res.stderr and "read-only" in res.stderr
    assert [line for line in res.stderr.splitlines() if "只读" in line][0].startswith(f"srdi {command}")
