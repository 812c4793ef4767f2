"""Issue 19, finding 2: the same share gives the same warehouse and the same shown times whatever the server's `TZ`.

One small 2022Q3 share (due 2022-10-10, Beijing time) is ingested and rolled up by the real `srdi` command in three
subprocesses, under TZ=UTC, TZ=Asia/Shanghai and TZ=America/New_York; every table of the warehouse (all rows), every
receipt cell, every pack cell, the dashboard and `srdi status` must be identical across the three, and the verdicts
are the ones written by hand below from the deadline rule (quarter end + 10 days, judged on Beijing's calendar day).

The arrival times are the files' modification times, set with os.utime from aware Beijing times, and believed as
they are (SRDI_TRUST_MTIME=1, the replay of an old share), so the scenario needs no fake clock.

The migration of a warehouse written before issue 19 (naive local TIMESTAMP columns) is tested here too.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import openpyxl
import pytest

from samples.workbooks import enterprise_form, task_rows, write_xlsx
from tests.conftest import drop
from tests.helpers import command_env
from warehouse.home import Home

pytestmark = pytest.mark.usefixtures("shared_api")
ROOT = Path(__file__).resolve().parents[2]
BJ = ZoneInfo("Asia/Shanghai")
ZONES = ("UTC", "Asia/Shanghai", "America/New_York")

# (bureau, form) -> (file name, arrival in Beijing time, verdict, days late): written by hand. 2022Q3 ends 09-30, so
# the deadline is 2022-10-10 (rollup_config.toml: days_after_quarter_end = 10), a Beijing calendar day.
ARRIVALS = {
    ("工信局", "enterprise"): ("工信局企业情况2022Q3.xlsx", datetime(2022, 10, 9, 9, 0, tzinfo=BJ), "on_time", None),
    # the case: 2022-10-11 06:30 Beijing is 2022-10-10 22:30 UTC (and 18:30 in New York): late, one day
    ("农业农村局", "enterprise"): ("农业农村局企业情况2022Q3.xlsx", datetime(2022, 10, 11, 6, 30, tzinfo=BJ), "late", 1),
    # ten minutes after Beijing's midnight (2022-10-10 16:10 UTC): late, one day
    ("商务局", "enterprise"): ("商务局企业情况2022Q3.xlsx", datetime(2022, 10, 11, 0, 10, tzinfo=BJ), "late", 1),
    # a minute before Beijing's midnight (2022-10-10 15:59 UTC): on time
    ("工信局", "task"): ("工信局任务进展2022Q3.xlsx", datetime(2022, 10, 10, 23, 59, tzinfo=BJ), "on_time", None),
}
SHOWN_ARRIVALS = {"工信局企业情况2022Q3.xlsx": "2022-10-09 09:00", "农业农村局企业情况2022Q3.xlsx": "2022-10-11 06:30",
                  "商务局企业情况2022Q3.xlsx": "2022-10-11 00:10", "工信局任务进展2022Q3.xlsx": "2022-10-10 23:59"}
# columns that record when srdi did something (this run's clock): compared by type, not by value
RUN_CLOCK = {"processed_at", "computed_at", "applied_at", "noted_at", "first_seen", "last_seen", "changed_at",
             "flow_run_id"}


def _enterprise(name: str, team: str) -> dict:
    return {"enterprise_name": name, "operating_status": "生产", "service_team": team, "listing_status": "未上市",
            "industry": "食品加工"}


def build_share(folder: Path) -> dict[str, Path]:
    """The share's workbooks once (the same bytes for every run), by file name."""
    home = Home(folder).ensure()
    files = {}
    teams = {"工信局": "工业", "农业农村局": "农业", "商务局": "商贸"}
    for n, ((bureau, form), (name, _, _, _)) in enumerate(sorted(ARRIVALS.items())):
        rows = (enterprise_form([_enterprise(f"蛟河市时区测试{n}号有限公司", teams[bureau])]) if form == "enterprise"
                else task_rows(bureau, n))
        files[name] = write_xlsx(drop(home, bureau, name), rows)
    return files


def srdi_env(zone: str, *args: str) -> dict:
    """A command's environment on a server in `zone` (tests/helpers.py command_env), the share's mtimes trusted."""
    return command_env(*args, TZ=zone, SRDI_TRUST_MTIME="1")


def srdi(zone: str, *args: str) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "srdi.cli", *args], cwd=ROOT, env=srdi_env(zone, *args), capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, f"TZ={zone} srdi {' '.join(args)}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def run_in(zone: str, base: Path, share: dict[str, Path]) -> Path:
    home = Home(base / zone.replace("/", "_")).ensure()
    for name, src in share.items():
        bureau = src.parent.name
        dst = home.inbox / bureau / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        at = next(a for (b, _), (n, a, _, _) in ARRIVALS.items() if n == name).timestamp()
        os.utime(dst, (at, at))
    h = str(home.root)
    srdi(zone, "ingest", "--home", h, "--settle", "0")
    srdi(zone, "rollup", "quarterly", "--period", "2022Q3", "--home", h)
    (home.root / "status.json").write_text(srdi(zone, "status", "--home", h, "--period", "2022Q3", "--format", "json").stdout,
                                           encoding="utf-8")
    (home.root / "status.txt").write_text(srdi(zone, "status", "--home", h, "--period", "2022Q3").stdout, encoding="utf-8")
    return home.root


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("zones")
    share = build_share(base / "share-template")
    return {zone: run_in(zone, base, share) for zone in ZONES}


# ---------------------------------------------------------------- what each run left

def tables(root: Path) -> dict[str, list[str]]:
    """Every base table of the analyst copy, every row, read in UTC; this run's own clock and paths masked."""
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        out = {}
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                                           "ORDER BY table_name").fetchall()]
        for t in names:
            cur = con.execute(f'SELECT * FROM "{t}"')
            cols = [d[0] for d in cur.description]
            rows = []
            for r in cur.fetchall():
                cells = [("<run clock>" if c in RUN_CLOCK and v is not None else
                          str(v).replace(str(root), "<home>")) for c, v in zip(cols, r)]
                rows.append(json.dumps(dict(zip(cols, cells)), ensure_ascii=False, sort_keys=True))
            out[t] = sorted(rows)
        return out
    finally:
        con.close()


def column_types(root: Path) -> dict[str, str]:
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        return {f"{t}.{c}": ty for t, c, ty in con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main'").fetchall()}
    finally:
        con.close()


def processed_at(root: Path) -> dict[str, datetime]:
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        return dict(con.execute("SELECT file_name, processed_at FROM submissions").fetchall())
    finally:
        con.close()


def workbook_cells(path: Path) -> dict[str, list]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def receipts(root: Path) -> dict[str, dict]:
    return {p.name: workbook_cells(p) for p in sorted((root / "share" / "outbox").rglob("*回执*.xlsx"))}


def receipt_fact(cells: dict[str, list], label: str):
    for row in cells["回执"]:
        for i, v in enumerate(row):
            if v == label:
                return next(x for x in row[i + 1:] if x is not None)
    raise AssertionError(f"no {label} in the receipt")


# ---------------------------------------------------------------- the verdicts, by hand

def test_verdicts_are_judged_on_beijings_calendar_day(runs):
    for zone, root in runs.items():
        status = json.loads((root / "status.json").read_text(encoding="utf-8"))
        rows = {(r["bureau"], r["form"]): r for r in status["compliance"]["rows"]}
        for key, (_, at, verdict, days) in ARRIVALS.items():
            assert (rows[key]["status"], rows[key]["days_late"]) == (verdict, days), (zone, key)
            assert rows[key]["received_at"] == at.isoformat(), (zone, key)   # 2022-10-11T06:30:00+08:00
        others = [r["status"] for k, r in rows.items() if k not in ARRIVALS]
        assert others and set(others) == {"missing"}, zone
        con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
        try:
            stored = {(b, f): (s, d) for b, f, s, d in con.execute(
                "SELECT bureau, form, status, days_late FROM compliance WHERE period = '2022Q3'").fetchall()}
        finally:
            con.close()
        for key, (_, _, verdict, days) in ARRIVALS.items():
            assert stored[key] == (verdict, days), (zone, key)


def test_every_table_is_the_same_under_every_tz(runs):
    got = {zone: tables(root) for zone, root in runs.items()}
    first = got[ZONES[0]]
    assert first["submissions"] and first["compliance"]
    for zone in ZONES[1:]:
        assert got[zone].keys() == first.keys()
        for t in first:
            assert got[zone][t] == first[t], f"table {t} differs between TZ={ZONES[0]} and TZ={zone}"


def test_every_stored_instant_is_timestamptz(runs):
    for zone, root in runs.items():
        types = column_types(root)
        assert not [c for c, t in types.items() if t == "TIMESTAMP"], zone   # no naive instant anywhere
        for c in ("submissions.received_at", "submissions.processed_at", "inbox_files.first_seen",
                  "compliance.received_at", "rollup_runs.computed_at", "schema_versions.applied_at"):
            assert types[c] == "TIMESTAMP WITH TIME ZONE", (zone, c)


def test_receipts_show_beijing_time_under_every_tz(runs):
    got = {}
    for zone, root in runs.items():
        rec = receipts(root)
        assert len(rec) == len(ARRIVALS), zone
        done = processed_at(root)
        for name, cells in rec.items():
            file_name = next(f for f in SHOWN_ARRIVALS if Path(f).stem in name)
            assert receipt_fact(cells, "收到时间") == SHOWN_ARRIVALS[file_name], (zone, name)
            # when srdi processed it, in Beijing time (by hand: the stored instant + 8 hours, no DST in China)
            assert receipt_fact(cells, "处理时间") == (done[file_name].astimezone(timezone.utc).replace(tzinfo=None)
                                                     + (datetime(2022, 1, 1, 8) - datetime(2022, 1, 1))
                                                     ).strftime("%Y-%m-%d %H:%M"), (zone, name)
        got[zone] = {n: json.dumps(c, ensure_ascii=False, default=str) for n, c in rec.items()}
    for zone in ZONES[1:]:   # every cell but the processing time (this run's clock, checked above)
        for name in got[ZONES[0]]:
            a = [c for c in json.loads(got[ZONES[0]][name])["回执"] if "处理时间" not in c]
            b = [c for c in json.loads(got[zone][name])["回执"] if "处理时间" not in c]
            assert a == b, (zone, name)


def test_the_pack_and_its_reminder_list_show_beijing_time_under_every_tz(runs):
    packs = {zone: workbook_cells(root / "reports" / "2022Q3" / "季调度_2022Q3.xlsx") for zone, root in runs.items()}
    first = packs[ZONES[0]]
    for zone in ZONES[1:]:
        assert packs[zone] == first, zone
    # 催报清单: 农业农村局's enterprise report arrived 2022-10-11 06:30 (Beijing): the cell holds that wall-clock time
    cells = [v for sheet in first.values() for row in sheet for v in row]
    assert datetime(2022, 10, 11, 6, 30) in cells and datetime(2022, 10, 10, 22, 30) not in cells
    assert datetime(2022, 10, 11, 0, 10) in cells and datetime(2022, 10, 10, 23, 59) in cells


def test_the_dashboard_and_status_are_the_same_under_every_tz(runs):
    def dashboard(root: Path) -> str:
        text = (root / "reports" / "2022Q3" / "dashboard_2022Q3.html").read_text(encoding="utf-8")
        return re.sub(r"汇总计算于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}", "汇总计算于 <run clock>", text)

    boards = {zone: dashboard(root) for zone, root in runs.items()}
    assert "报送于 2022-10-11 06:30" in boards[ZONES[0]]
    for zone in ZONES[1:]:
        assert boards[zone] == boards[ZONES[0]], zone

    def status_text(root: Path) -> list[str]:
        lines = (root / "status.txt").read_text(encoding="utf-8").splitlines()
        # lines about this run's own clock (last runs, the copy's age) and the home's path differ by nature
        # (and each home's embedded Prefect server listens on a port of its own)
        return [re.sub(r"http://127\.0\.0\.1:\d+/api", "<server>", ln.replace(str(root), "<home>")) for ln in lines
                if not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}（|刚才|分钟前|小时前|天前", ln)]

    texts = {zone: status_text(root) for zone, root in runs.items()}
    for zone in ZONES[1:]:
        assert texts[zone] == texts[ZONES[0]], zone
    jsons = {zone: json.loads((root / "status.json").read_text(encoding="utf-8"))["compliance"]
             for zone, root in runs.items()}
    for zone in ZONES[1:]:
        assert jsons[zone] == jsons[ZONES[0]], zone


# ---------------------------------------------------------------- a warehouse from before issue 19

MIGRATE = r"""
import sys
import duckdb
from warehouse.connection import apply_schema, connect
path = sys.argv[1]
old = duckdb.connect(path)   # as srdi wrote before issue 19: naive local wall-clock times, the session in the local zone
old.execute("CREATE TABLE submissions (submission_id INTEGER PRIMARY KEY, bureau VARCHAR, period VARCHAR, form VARCHAR,"
            " file_name VARCHAR NOT NULL, source_path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, size_bytes BIGINT,"
            " file_format VARCHAR, received_at TIMESTAMP NOT NULL, processed_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL,"
            " error_count INTEGER NOT NULL DEFAULT 0, warning_count INTEGER NOT NULL DEFAULT 0,"
            " row_count INTEGER NOT NULL DEFAULT 0, superseded_by INTEGER, duplicate_of INTEGER, stored_path VARCHAR,"
            " moved BOOLEAN NOT NULL DEFAULT FALSE, message VARCHAR)")
old.execute("INSERT INTO submissions (submission_id, bureau, period, form, file_name, source_path, sha256,"
            " received_at, processed_at, status) VALUES (1, '农业农村局', '2022Q3', 'enterprise', 'a.xlsx', 'a', 'x',"
            " TIMESTAMP '" + sys.argv[2] + "', TIMESTAMP '" + sys.argv[2] + "', 'loaded')")
old.close()
con = connect(path)
apply_schema(con)
print(con.execute("SELECT typeof(received_at), epoch(received_at) FROM submissions").fetchone())
con.close()
"""


@pytest.mark.parametrize("zone,naive", [
    ("Asia/Shanghai", "2022-10-11 06:30:00"),       # a server on Beijing time wrote Beijing wall-clock time
    ("UTC", "2022-10-10 22:30:00"),                 # a UTC server wrote UTC wall-clock time
    ("America/New_York", "2022-10-10 18:30:00"),    # a New York server wrote EDT (UTC-4 in October)
])
def test_a_warehouse_from_before_keeps_its_instants(tmp_path, zone, naive):
    """Each was written for the same instant, 2022-10-10 22:30 UTC (epoch 1665441000, by hand: 2022-10-10 is day
    19275 since 1970-01-01; 19275 × 86400 + 22.5 × 3600), on a server in `zone`; converted on that server, it is
    that instant again, and the migration records the new schema version."""
    r = subprocess.run([sys.executable, "-c", MIGRATE, str(tmp_path / "old.duckdb"), naive], cwd=ROOT,
                       env=srdi_env(zone), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "('TIMESTAMP WITH TIME ZONE', 1665441000.0)"
