"""Helpers shared by the tests: the pure ingest steps on one file (fast rule tests), queries, the Chinese-only checker,
waiting for a condition (wait_until), and the pipeline's library called in this process without Prefect
(ingest_in_process, rollup_in_process, …: one line each over flows/pipeline.py)."""
from __future__ import annotations

import hashlib
import time
from datetime import datetime
from pathlib import Path

from schemas.findings import col_letter
from schemas.forms import ENTERPRISE, TASK
from tasks.intake.check_batch import check_many
from tasks.intake.submission import Submission
from warehouse.connection import connect


def check_file(path: Path, bureau: str) -> Submission:
    data = Path(path).read_bytes()
    sub = Submission(path=Path(path), rel=Path(path).name, bureau=bureau, period="2022Q2",
                     sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data),
                     received_at=datetime(2022, 7, 5), data=data)
    return check_many([sub])[0]


# ---------------------------------------------------------------- waiting for a condition, not timing it (#21)
# No test asserts how long something took (tests/unit/test_no_stopwatch.py holds the suite to it): a test waits for what
# it expects (a receipt exists, a process is gone, a flow run is Cancelled) up to a ceiling that only a hang reaches,
# so a loaded machine makes it slower, never red. How long things take is `make bench`'s (bench/run.py).
HANG = 600.0            # seconds: the usual ceiling; generous on purpose (a busy 2-core machine is 10x slower)


def peak_rss_bytes(pid: int | str = "self") -> int:
    """A process's resident-memory high-water mark (VmHWM, /proc/<pid>/status) in bytes; OSError once it is gone."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) * 1024


def wait_until(cond, ceiling: float = HANG, what: str = "the condition", *, alive=None, every: float = 0.05):
    """Calls `cond()` until it returns something truthy and returns that. Fails when `ceiling` seconds pass first
    (only a hang does) or when `alive()` (optional: e.g. `lambda: proc.poll() is None`) turns false first, naming
    `what` (a str, or a callable for a message built at that moment: the process's output)."""
    end = time.monotonic() + ceiling
    while True:
        value = cond()
        if value:
            return value
        if alive is not None and not alive():
            value = cond()                  # it may have happened just before the end
            if value:
                return value
            raise AssertionError(f"{_said(what)}: ended before it happened")
        if time.monotonic() > end:
            raise AssertionError(f"{_said(what)}: not within {ceiling:g} s (a hang)")
        time.sleep(every)


def _said(what) -> str:
    return what() if callable(what) else what


def processes_with(var: str, value: str | None = None) -> dict[int, str]:
    """pid → value of every live process (but this one) whose environment sets `var` (to `value`, if given): how the
    tests find what a command started, its children included (zombies have no environment left)."""
    import os
    key = var.encode() + b"="
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                env = f.read()
        except OSError:
            continue
        for entry in env.split(b"\0"):
            if entry.startswith(key):
                got = entry[len(key):].decode("ascii", "replace")
                if value is None or got == value:
                    found[int(name)] = got
                break
    return found


def embedded_server(home) -> int | None:
    """The pid of the home's embedded Prefect server (Prefect's `prefect server start --background`, srdi/runtime.py),
    if it runs: Prefect's own pid file, <home>/.prefect/server.pid."""
    from pathlib import Path
    try:
        pid = int((Path(home.root) / ".prefect" / "server.pid").read_text())
    except (OSError, ValueError):
        return None
    return pid if "prefect.server.api.server:create_app" in cmdline(pid) else None


def stop_embedded_servers(under) -> list[int]:
    """SIGTERM every embedded Prefect server whose Prefect home is under the folder `under` (a test's temporary
    folders): the servers the tests' commands started, which by design run until `srdi stop`. Only a server that
    `prefect server start --background` recorded in that Prefect home's server.pid: the session's test server
    (prefect_test_harness) may have inherited a PREFECT_HOME under `under` from an in-process command
    (`srdi mail send` sets it), and must live on."""
    import os
    import signal
    prefix = str(under).rstrip("/") + "/"
    stopped = []
    for pid, home in processes_with("PREFECT_HOME").items():
        try:
            recorded = int((Path(home) / "server.pid").read_text())
        except (OSError, ValueError):
            recorded = None
        if home.startswith(prefix) and recorded == pid and "prefect.server.api.server:create_app" in cmdline(pid):
            try:
                os.kill(pid, signal.SIGTERM)
                stopped.append(pid)
            except OSError:
                pass
    return stopped


def alive(pid: int) -> bool:
    """The process exists and has not ended: not a zombie (a process that ended stays one until its parent reaps it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def owner_token(pid: int | None = None) -> str:
    """pid:start time of a process (/proc/<pid>/stat field 22): who a test's mark belongs to."""
    import os
    pid = os.getpid() if pid is None else pid
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        start = data[data.rindex(b")") + 2:].split()[19].decode()
    except (OSError, ValueError, IndexError):
        start = "0"
    return f"{pid}:{start}"


def owner_alive(token: str) -> bool:
    pid, _, _start = token.partition(":")
    return pid.isdigit() and owner_token(int(pid)) == token


def xfd_bomb() -> bytes:
    """1.5 KB: one cell at XFD1048576 makes the reader ask for ~550 GB and abort the process."""
    import io
    import openpyxl
    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active["A1"] = "企业名称"
    wb.active["XFD1048576"] = "x"
    wb.save(buf)
    return buf.getvalue()


def cmdline(pid: int) -> str:
    """A process's command line, or "" once it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Ceiling:
    """For a loop that needs the time left before its ceiling (a socket read with a timeout): `left()` seconds, and
    `passed()`. A ceiling, never a verdict about speed."""

    def __init__(self, seconds: float = HANG):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(self.end - time.monotonic(), 0.0)

    def passed(self) -> bool:
        return time.monotonic() > self.end


def column_of(form, field: str) -> str:
    """Excel letter of a field when a sheet is written with the template header from column A."""
    return col_letter([f.name for f in form.fields].index(field))


ENT, TSK = ENTERPRISE, TASK


def q(home, sql, params=None):
    """Rows of a read-only query on the published analyst copy."""
    con = connect(home.warehouse, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def after_home_line(err: str, command: str) -> str:
    """A command's stderr without its first line, which names the home (`srdi query · 主目录 home: …`): that line must
    be there, first; what a test checks is what follows it."""
    first, _, rest = err.partition("\n")
    assert first.startswith(f"srdi {command} · 主目录 home: "), err
    return rest


# ---------------------------------------------------------------- what bureaus and leaders read (#19 finding 10)
# `foreign_text` reads every bureau- and leader-facing output (receipts, error lists, annotated copies, templates,
# notes, packs, dashboards) as a person sees it, and lists every ASCII word, path, config syntax, doc file name,
# table name or rule code in it, apart from what the allow-list below names, each with why it may stay.

import re as _re  # noqa: E402

_CREDIT_CODE = _re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}(?![0-9A-Z])")
ALLOWED = {
    # a period as a file name may spell it, inside quotes or brackets: an example of what to write in a file name
    "period spelled in a file name": _re.compile(r"(?<=[“（])\d{4}-?Q[1-4](?:_模板)?(?=[”）])"),
    # 统一社会信用代码: what identifies an enterprise (18 characters, letters included)
    "credit code": _CREDIT_CODE,
    # a cell named as Excel names it (B4, K4:K10): the house rule is to name the cell
    "cell reference": _re.compile(r"(?<![A-Za-z0-9])\$?[A-Z]{1,3}\$?\d{1,7}(?::\$?[A-Z]{1,3}\$?\d{1,7})?(?![A-Za-z0-9])"),
    # a column named by its letter, as Excel heads it (H 列): the house rule is to name where
    "column letter": _re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,3}(?= ?列)"),
    # the bureau's own sheet name before a row number (Sheet1 第2行): quoted back as the bureau named it
    "sheet before a row": _re.compile(r"(?<=[（(“])[^\s（）()“”]{1,31}(?= 第\d+行)"),
    # the Annex 2 task numbers srdi gives every item (T1-1 … T4-2): printed on each bureau's template and in the packs
    "task number": _re.compile(r"(?<![A-Za-z0-9])T\d{1,2}-\d{1,2}(?![0-9])"),
    # the programs a clerk saves the workbook with, and the export format the README names
    "program": _re.compile(r"(?<![A-Za-z])(?:Excel|WPS|CSV)(?![A-Za-z])"),
    # the extension of a workbook's file name written in Chinese (an example of a file name to use)
    "workbook extension": _re.compile(r"(?<=[\u4e00-\u9fff\d）)])\.(?:xlsx|xlsm|xls|ods|csv)(?![A-Za-z])"),
}
FORBIDDEN = _re.compile(r"[A-Za-z$_\\][A-Za-z0-9$_./\\-]*|\.(?:toml|md|py|sql)\b")
META_SHEETS = {"_srdi_meta"}        # very hidden: the bureau, period and form srdi reads back from a template


def visible_texts(path: Path):
    """(where, text) for every piece of text a person sees in one output: every cell of every sheet (hidden ones
    too, except srdi's own metadata sheet) and every cell comment of a workbook; the visible text, the page title and
    title attributes of an HTML page (not its scripts or styles); every line of a text note; every paragraph, table
    cell and page footer of a Word document."""
    from html.parser import HTMLParser
    path = Path(path)
    if path.suffix == ".xlsx":
        import openpyxl
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if ws.title in META_SHEETS:
                continue
            yield f"{ws.title}（工作表名）", ws.title
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c.value.strip():
                        yield f"{ws.title}!{c.coordinate}", c.value
                    if c.comment is not None:
                        yield f"{ws.title}!{c.coordinate} 批注", c.comment.text
    elif path.suffix == ".html":
        class Reader(HTMLParser):
            def __init__(self):
                super().__init__()
                self.skip, self.out = 0, []

            def handle_starttag(self, tag, attrs):
                self.skip += tag in ("script", "style")
                self.out += [v for k, v in attrs if k in ("title", "alt", "aria-label", "placeholder") and v]

            def handle_endtag(self, tag):
                self.skip -= tag in ("script", "style")

            def handle_data(self, data):
                if not self.skip and data.strip():
                    self.out.append(data.strip())
        r = Reader()
        r.feed(path.read_text(encoding="utf-8"))
        yield from (("html", t) for t in r.out)
    elif path.suffix == ".txt":
        yield from (("txt", t) for t in path.read_text(encoding="utf-8-sig").splitlines() if t.strip())
    elif path.suffix == ".docx":                  # the meeting brief: paragraphs, table cells, headers and footers
        from docx import Document
        doc = Document(str(path))
        yield from (("段落", p.text) for p in doc.paragraphs if p.text.strip())
        for i, t in enumerate(doc.tables, 1):
            for row in t.rows:
                yield from ((f"表{i}", c.text) for c in row.cells if c.text.strip())
        for s in doc.sections:
            yield from (("页脚", p.text) for p in s.footer.paragraphs + s.header.paragraphs if p.text.strip())


def typed_texts(paths) -> set[str]:
    """What bureaus wrote: every cell text, sheet name and file name of the workbooks they sent. An output may quote
    these back to them as they are (a receipt names the file; an annotated copy is their own workbook)."""
    import fastexcel
    out: set[str] = set()
    for p in map(Path, paths):
        out |= {p.name, p.stem}
        if p.suffix.lower() == ".csv":
            out |= {c for line in p.read_text(encoding="utf-8-sig", errors="replace").splitlines()
                    for c in line.split(",") if c.strip()}
            continue
        try:
            reader = fastexcel.read_excel(str(p))
        except Exception:      # unreadable on purpose (a rejected file): its name is all it gave
            continue
        for name in reader.sheet_names:
            out.add(name)
            try:
                frame = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
            except Exception:
                continue
            for col in frame.columns:
                out |= {v.strip() for v in frame[col].drop_nulls().to_list() if isinstance(v, str) and v.strip()}
        try:                   # formulas as typed (=SUM(K4:K10)): an annotated copy keeps them
            import openpyxl
            wb = openpyxl.load_workbook(p)
            out |= {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
        except Exception:
            pass
    return {t for t in out if t}


def foreign_text(paths, typed=(), names=()) -> list[str]:
    """Every ASCII word, path, `.toml`/`.md`, table name or rule code a bureau or leader would read in `paths`,
    as "file · where: word — text". `typed`: what bureaus wrote (typed_texts), shown back to them as it is; `names`:
    file names of srdi's own outputs an output may point to (the annotated copy beside an error list, the packs
    beside the dashboards). Empty when every output is Chinese apart from the allow-list (ALLOWED)."""
    typed = set(typed)
    # file names (the bureau's own, srdi's outputs beside this one) may stand inside a sentence; a cell the bureau
    # typed only as the whole cell (a typed "2022" must not hide the "2022" of "2022Q3")
    spans = sorted({t for t in {*names, *(t for t in typed if "." in t)} if len(t) >= 5}, key=len, reverse=True)
    found = []
    for path in map(Path, paths):
        for where, text in visible_texts(path):
            if text.strip() in typed:
                continue
            rest = text
            for s in spans:
                if s in rest:
                    rest = rest.replace(s, " ")
            for pattern in ALLOWED.values():
                rest = pattern.sub(" ", rest)
            for m in FORBIDDEN.finditer(rest):
                found.append(f"{path.name} · {where}: {m.group(0)!r} — {text[:160]!r}")
    return found


# ---------------------------------------------------------------- the pipeline in this process, without Prefect
# A test that is not about Prefect (deployments, schedules, triggers, cancellation, artifacts) calls the library
# (flows/pipeline.py), whose stories the flows also run: no Prefect server is needed, so such a test is in
# tests/integration (tests/tiers.py closes the Prefect API there). These only accept a Home or a folder, as tests
# hold one; tests/e2e/test_flows.py checks that a flow and the library leave the same home.

def _home(home):
    from warehouse.home import Home
    return Home.resolve(str(getattr(home, "root", home))).ensure()


def ingest_in_process(home, settle_seconds: float = 0, trust_mtime: bool = False, **kw) -> dict:
    """flows/pipeline.py `ingest_inbox` (the ingest flow's story): the same summary dict."""
    from flows.pipeline import ingest_inbox
    return ingest_inbox(_home(home), settle_seconds, trust_mtime, **kw)


def rollup_in_process(kind: str, home, period: str | None = None) -> dict:
    """flows/pipeline.py `compute_rollup` (`kind`: quarterly, midyear, annual): the same result dict, pack and
    dashboard as the flow, without its artifacts."""
    from flows.pipeline import compute_rollup
    return compute_rollup(kind, _home(home), period)


def templates_in_process(home, period: str | None = None) -> dict:
    """flows/pipeline.py `make_templates` (the templates flow's story): the same result dict."""
    from flows.pipeline import make_templates
    return make_templates(_home(home), period)


def demo_in_process(home) -> dict:
    """samples/demo.py `run_demo` with the library: {"ingest": summary, "templates": …, "packs": [rollup result, …]}."""
    from samples.demo import run_demo
    return run_demo(_home(home))


HOSTILE_NAMES = ("<script>alert(1)</script>", "吉林\"><img/src=x/onerror=alert(2)>有限公司", "吉林A&B<b>粗体</b>有限公司")
_DEMO: dict = {}


def build_demo(tmp_path_factory):
    """One demo home per test session (a worker's, under xdist), with three hostile names in 商务局's 企业库: what
    `srdi docs` builds its reference warehouse from, built in this process (demo_in_process). Tests read it and never
    change it."""
    from samples.workbooks import enterprise_rows, write_xlsx
    from warehouse.home import Home
    if "home" not in _DEMO:
        home = Home.resolve(tmp_path_factory.mktemp("srdi-demo") / "home").ensure()
        rows = enterprise_rows(4, seed=11)
        for row, name in zip(rows[1:], HOSTILE_NAMES):
            row[0] = name
        write_xlsx(home.inbox / "商务局" / "商务局企业库2022Q3.xlsx", rows)   # 商务局 reports no other enterprise form
        demo_in_process(home)
        _DEMO["home"] = home
    return _DEMO["home"]


# The session's shared Prefect server as a `srdi` command's environment: {"PREFECT_API_URL": url}, filled by the e2e
# fixture `shared_api` (tests/e2e/conftest.py). A command given it reports its runs there (srdi/runtime.py, case 1)
# and its home starts no embedded server of its own.
SHARED_API: dict[str, str] = {}


def command_env(*args: str, shared: bool | None = None, **extra: str) -> dict[str, str]:
    """The environment of a `srdi` command a test runs (`args`: its arguments): not the test process's
    PREFECT_API_URL or SRDI_HOME; telemetry off; the repository on PYTHONPATH. Its flows report to the session's
    shared Prefect server (SHARED_API), so its home starts no server of its own; `srdi status` is given none, so it
    reads what the home's warehouse recorded, as on a home whose server is down (the shared server holds every test's
    runs). `shared` overrides that choice; `extra` comes last."""
    import os
    e = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "SRDI_HOME")}
    e.update(PYTHONPATH=str(Path(__file__).resolve().parents[1]), DO_NOT_TRACK="1",
             PREFECT_SERVER_ANALYTICS_ENABLED="false")
    if shared if shared is not None else "status" not in args:
        e.update(SHARED_API)
    e.update(extra)
    return e
