"""What `srdi status` reads from a home: the inbox as it is now, and what the analyst copy recorded. Read-only and
fast: no Prefect, no polars; the writer's database is never opened (an ingest may hold it), only the published
analyst copy, which any number of readers may open.

* `inbox_view`: every entry of the inbox, sorted as the ingest would treat it: waiting (ready to read), settling
  (changed within the settle time), unanswered (an entry srdi will not process: the note it wrote, or will write at
  the next ingest) and unknown folders (a folder that names no bureau).
* `read_warehouse`: the notes, the last file processed, the last rollup of each kind, and one quarter's compliance
  judged by the rollups' own SQL (models/compliance.sql) with the rules of the home.
* `copy_age`: when the analyst copy was published, and whether the writer's database changed since.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from schemas import clock
from schemas.periods import period_from_name, quarter_end
from warehouse.connection import connect
from warehouse.home import Home
from warehouse.inbox_walk import FILE, FOLDER, Entry, walk
from warehouse.names import display, path_key
from warehouse.sql import load as sql

NOT_YET_NOTED = "尚未说明：下次入库时会写说明（…_未处理说明.txt）"


def _local(ts: float, tz: str | None = None) -> str:
    """A file time in the programme's zone, ISO 8601 with its offset (the JSON's form; schemas.clock)."""
    return clock.shown_iso(clock.from_timestamp(ts), tz)


def note_reason_text(note_path: str | None) -> str | None:
    """The 原因 line of a note srdi wrote (tasks/bureau/outbox.py: 原因：…), or None when it is gone."""
    if not note_path:
        return None
    try:
        text = Path(note_path).read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("原因："):
            return line.removeprefix("原因：").strip()
    return None


@dataclass
class InboxView:
    waiting: list[dict] = field(default_factory=list)
    settling: list[dict] = field(default_factory=list)
    unanswered: list[dict] = field(default_factory=list)
    unknown_folders: list[dict] = field(default_factory=list)
    bureau_folders: int = 0

    def as_dict(self) -> dict:
        return {"waiting": self.waiting, "settling": self.settling, "unanswered": self.unanswered,
                "unknown_folders": self.unknown_folders, "bureau_folders": self.bureau_folders}



def inbox_view(home: Home, notes: dict[str, dict] | None = None, settle_seconds: float = 2.0,
               now: datetime | None = None) -> InboxView:
    """The inbox now. `notes`: path_key → {first_seen, note_reason, note_path} from the analyst copy."""
    notes = notes or {}
    now = clock.instant(now) if now else clock.now()
    tz = home.time_zone
    view = InboxView()

    def unanswered(rel: str, bureau: str | None) -> None:
        info = notes.get(path_key(rel)) or {}
        noted = info.get("note_path")
        view.unanswered.append({"entry": display(rel), "bureau": bureau,
                                "reason": note_reason_text(noted) or (info.get("note_reason") if noted else None)
                                or NOT_YET_NOTED,
                                "note": noted})

    def regular(e: Entry) -> None:
        assert e.st is not None
        info = notes.get(path_key(e.rel)) or {}
        if info.get("note_path"):          # left in the inbox with a note (it could not be filed away)
            unanswered(e.rel, e.bureau)
            return
        mtime = clock.from_timestamp(e.st.st_mtime)
        period = period_from_name(e.path.stem)
        item = {"file": display(e.rel), "bureau": e.bureau, "size_bytes": e.st.st_size,
                "modified": clock.shown_iso(mtime, tz),
                "first_seen": clock.shown_iso(info.get("first_seen"), tz),
                "period": period if isinstance(period, str) else None}
        if mtime > now or (now - mtime).total_seconds() < settle_seconds:
            view.settling.append(item)
        else:
            view.waiting.append(item)

    if not home.inbox.is_dir():
        return view
    for e in walk(home):            # the ingest's walk (tasks/intake/discover.py): what it reads, what it notes
        if e.kind == FOLDER and e.bureau is None:
            view.unknown_folders.append({"folder": display(e.rel), "files": 0, "noted": 0, "entries": []})
        elif e.kind == FOLDER:
            view.bureau_folders += 1
        elif e.reason in ("unknown_folder", "undecodable_folder"):
            folder = view.unknown_folders[-1]
            folder["files"] += 1
            folder["noted"] += 1 if (notes.get(path_key(e.rel)) or {}).get("note_path") else 0
            folder["entries"].append(display(e.rel))
        elif e.kind == FILE:
            regular(e)                    # a name that is not UTF-8 is renamed by the ingest, then read
        else:
            unanswered(e.rel, e.bureau)   # a link, a hidden entry, a pipe, a file at the root: the ingest notes it
    return view


# ---------------------------------------------------------------- the analyst copy

@dataclass
class WarehouseView:
    available: bool
    error: str | None = None
    notes: dict[str, dict] = field(default_factory=dict)
    submissions: dict | None = None
    rollups: list[dict] = field(default_factory=list)
    compliance: list[dict] = field(default_factory=list)


def _rows(con, name: str, params=None) -> list[dict]:
    cur = con.execute(sql(name), params or {})
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def obligations(cfg, quarter: str) -> list[dict]:
    """Who owes which form for `quarter`, by when: what the rollups' rollup_obligations frame holds."""
    due = quarter_end(quarter) + timedelta(days=cfg.deadline_days)
    return [{"report_period": quarter, "bureau": b, "form": form, "due_date": due, "responsible_leader": cfg.leader(b)}
            for b, form in cfg.obligations_for(quarter)]


def read_warehouse(home: Home, cfg, quarter: str, as_of: date) -> WarehouseView:
    """Everything `srdi status` reads from the analyst copy, in one read-only connection."""
    if not home.warehouse.exists():
        return WarehouseView(available=False)
    try:
        con = connect(home.warehouse, read_only=True)
    except duckdb.Error as exc:
        return WarehouseView(available=False, error=str(exc).splitlines()[0])
    from warehouse.query import stale_wal, stale_wal_message
    if stale_wal(home):               # DuckDB replayed a killed session's writes into this read: not srdi's data
        con.close()
        return WarehouseView(available=False, error=stale_wal_message(home))
    try:
        view = WarehouseView(available=True)
        present = {r[0] for r in con.execute(sql("catalog/list_relations")).fetchall()}
        view.notes = {r["path_key"]: r for r in _rows(con, "status/select_inbox_notes")}
        (view.submissions,) = _rows(con, "status/summarise_submissions")
        # rollup_runs is created by the first rollup (warehouse/rollups.py), not by the ingest: until then there is
        # no rollup to show, and nothing else here depends on it
        view.rollups = _rows(con, "status/list_last_rollups") if "rollup_runs" in present else []
        owed = obligations(cfg, quarter)
        if owed:
            con.execute(sql("status/create_obligations"), {
                "report_periods": [o["report_period"] for o in owed], "bureaus": [o["bureau"] for o in owed],
                "forms": [o["form"] for o in owed], "due_dates": [o["due_date"] for o in owed],
                "leaders": [o["responsible_leader"] for o in owed]})
            view.compliance = _rows(con, "models/compliance", {
                "period": quarter, "count_first_accepted": cfg.count_first_accepted, "as_of": as_of,
                "time_zone": cfg.time_zone})
        return view
    except duckdb.Error as exc:
        return WarehouseView(available=False, error=str(exc).splitlines()[0])
    finally:
        con.close()


def copy_age(home: Home) -> dict:
    """When the analyst copy was published, and whether the writer's database has changed since."""
    def mtime(p: Path) -> float | None:
        try:
            return p.stat().st_mtime
        except OSError:
            return None
    published = mtime(home.warehouse)
    wal = home.writer_db.with_name(home.writer_db.name + ".wal")
    writer = max([t for t in (mtime(home.writer_db), mtime(wal) if wal.exists() and wal.stat().st_size else None)
                  if t is not None], default=None)
    return {"path": str(home.warehouse),
            "published_at": _local(published, home.time_zone) if published else None,
            "age_seconds": round(datetime.now().timestamp() - published) if published else None,
            "writer_changed_at": _local(writer, home.time_zone) if writer else None,
            "older_than_writer": bool(published and writer and writer > published + 1.0)}
