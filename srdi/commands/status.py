"""`srdi status`: the whole on one screen, in Chinese (or `--format json`).

* the inbox: waiting, settling, unanswered (the notes written for entries srdi will not process), unknown folders;
* the last run of each flow and how it ended: from Prefect's API when one is reachable ($PREFECT_API_URL, this
  home's `srdi serve`, or its embedded server), else from what the warehouse recorded (submissions.processed_at,
  rollup_runs);
* the next scheduled runs: from the running `srdi serve`, else computed from prefect.yaml's schedules (Asia/Shanghai);
* this quarter's compliance so far: who has reported (on time or late), who not yet, before or after the deadline,
  judged by the rollups' own SQL with this home's rules;
* configuration warnings (responsible leaders, the rules file) and the age of the analyst copy.

No Prefect is imported or started (it must be fast): the API is read over plain HTTP, the warehouse read-only.
"""
from __future__ import annotations

import json
import os
import sys
import urllib.request
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import overload

from srdi.commands import quarter_check
from warehouse.home import Home

REPO = Path(__file__).resolve().parents[2]
SHOW = 5                         # entries shown per list on the screen (all of them in --format json)
FLOWS = ("ingest", "quarterly-dispatch", "midyear-meeting", "annual-summary", "backfill-rollups", "templates")
ROLLUP_KIND = {"quarterly-dispatch": "quarterly", "midyear-meeting": "midyear", "annual-summary": "annual"}
# Prefect's state types as the screen says them (to move into schemas/labels.py with its owner)
RUN_STATE = {"COMPLETED": "已完成", "FAILED": "失败", "CRASHED": "异常中止", "CANCELLED": "已取消", "CANCELLING": "取消中",
             "RUNNING": "运行中", "PENDING": "等待中", "SCHEDULED": "已排期", "PAUSED": "已暂停"}
FINAL_AND_RUNNING = ["COMPLETED", "FAILED", "CRASHED", "CANCELLED", "RUNNING"]


def register(sub) -> None:
    p = sub.add_parser("status", help="the whole on one screen: inbox, last and next runs, this quarter's "
                                      "compliance, configuration warnings, the analyst copy",
                       description=__doc__.split("\n\n")[0] + " Never starts Prefect.")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--period", default=None,
                   help="the quarter whose compliance to show, e.g. 2022Q3 or 2022年第三季度 "
                        "(default: the quarter now being reported)")
    p.add_argument("--settle", type=float, default=2.0,
                   help="seconds a file must be unchanged to count as waiting rather than settling (as srdi ingest)")
    p.set_defaults(func=run, check_args=quarter_check("status"), home_line=lambda a: "stderr" if a.format == "json" else "stdout")



# ---------------------------------------------------------------- time

@overload
def shanghai(dt: datetime, tz: str | None = None) -> datetime: ...
@overload
def shanghai(dt: None, tz: str | None = None) -> None: ...
def shanghai(dt: datetime | None, tz: str | None = None) -> datetime | None:
    """Any instant in the programme's zone `tz` (rollup_config.toml `time_zone`, default Asia/Shanghai); a naive
    one can only come from an analyst copy written before issue 19, in this machine's local time (schemas.clock)."""
    from schemas import clock
    return clock.local(dt, tz) if dt is not None else None


def when(dt: datetime | None, tz: str | None = None) -> str:
    from schemas import clock
    return clock.shown(dt, tz)


def ago(dt: datetime | None, now: datetime) -> str:
    if dt is None:
        return ""
    s = (now - shanghai(dt)).total_seconds()
    if s < 0:
        return ""
    if s < 90:
        return "刚才"
    if s < 5400:
        return f"{round(s / 60)} 分钟前"
    if s < 2 * 86400:
        return f"{round(s / 3600)} 小时前"
    return f"{round(s / 86400)} 天前"


def _parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


# ---------------------------------------------------------------- schedules (prefect.yaml)

def _cron_field(spec: str, lo: int, hi: int) -> set[int] | None:
    """One field of a 5-field cron expression: None for '*', else the values it allows."""
    if spec == "*":
        return None
    out: set[int] = set()
    for part in spec.split(","):
        rng, _, step = part.partition("/")
        if rng == "*":
            a, b = lo, hi
        elif "-" in rng:
            a, b = (int(x) for x in rng.split("-", 1))
        else:
            a = b = int(rng)
            if step:
                b = hi
        out.update(range(a, b + 1, int(step) if step else 1))
    return out


def next_cron(expr: str, after: datetime) -> datetime:
    """The first time strictly after `after` (aware; its zone is the schedule's) that `expr` names (minute hour
    day-of-month month day-of-week; a day matches either day field when both are restricted, as cron does)."""
    minute, hour, dom, month, dow = expr.split()
    mins, hours = _cron_field(minute, 0, 59), _cron_field(hour, 0, 23)
    days, months = _cron_field(dom, 1, 31), _cron_field(month, 1, 12)
    weekdays = _cron_field(dow, 0, 7)
    if weekdays is not None:
        weekdays = {d % 7 for d in weekdays}
    start = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    day = start.date()
    for _ in range(366 * 8):
        wd = (day.weekday() + 1) % 7              # cron: 0 = Sunday
        if days is None and weekdays is None:
            day_ok = True
        elif days is None or weekdays is None:
            day_ok = (days is None or day.day in days) and (weekdays is None or wd in weekdays)
        else:
            day_ok = day.day in days or wd in weekdays
        if (months is None or day.month in months) and day_ok:
            for h in sorted(hours) if hours is not None else range(24):
                for m in sorted(mins) if mins is not None else range(60):
                    t = datetime(day.year, day.month, day.day, h, m, tzinfo=after.tzinfo)
                    if t >= start:
                        return t
        day += timedelta(days=1)
    raise ValueError(f"cron {expr!r} names no time in the next eight years")


def deployments(path: Path | None = None) -> list[dict]:
    """prefect.yaml's deployments: name, flow (the entrypoint's function), label (the description before its ：),
    schedules."""
    import yaml
    data = yaml.safe_load((path or REPO / "prefect.yaml").read_text(encoding="utf-8"))
    out = []
    for d in data.get("deployments") or []:
        desc = str(d.get("description") or "")
        out.append({"name": d["name"], "label": desc.split("：")[0] if "：" in desc else d["name"],
                    "schedules": d.get("schedules") or []})
    return out


def planned_runs(now: datetime, path: Path | None = None) -> list[dict]:
    """The next run of each scheduled deployment, computed from prefect.yaml (what `srdi serve` would run)."""
    from schemas.periods import default_period
    from zoneinfo import ZoneInfo
    runs = []
    for d in deployments(path):
        for s in d["schedules"]:
            tz = ZoneInfo(s.get("timezone") or "Asia/Shanghai")
            item = {"deployment": d["name"], "label": d["label"], "source": "prefect.yaml"}
            if "cron" in s:
                at = next_cron(s["cron"], now.astimezone(tz))
                item["at"] = at.isoformat()
                kind = ROLLUP_KIND.get(d["name"])
                if kind:
                    item["period"] = default_period(kind, at.date())
            elif "interval" in s:
                item["every_seconds"] = float(s["interval"])
            runs.append(item)
    return runs


# ---------------------------------------------------------------- the Prefect API (plain HTTP)

def _post(api: str, path: str, body: dict, timeout: float = 3.0, auth: str | None = None):
    from srdi.api_auth import header
    req = urllib.request.Request(f"{api}{path}", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **header(auth)})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.load(r)


def _healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=1.0) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


def find_api(home: Home) -> tuple[str | None, str | None]:
    """(API URL, what it is) of a Prefect API that is up for this home; (None, None) when none is."""
    candidates = []
    if os.environ.get("PREFECT_API_URL"):
        candidates.append((os.environ["PREFECT_API_URL"].rstrip("/"), "PREFECT_API_URL"))
    from srdi.runtime import embedded_file, serve_file
    for path, what in ((serve_file(home), "srdi serve"), (embedded_file(home), "embedded")):
        try:
            candidates.append((json.loads(path.read_text())["api_url"], what))
        except Exception:
            pass
    for url, what in candidates:
        if _healthy(url):
            return url, what
    return None, None


def api_credential(home: Home, kind: str | None) -> str | None:
    """What `srdi status` sends to the API it found: the operator's PREFECT_API_AUTH_STRING for a server they
    named, the home's credential for the home's own servers (never made here: status changes nothing)."""
    if kind == "PREFECT_API_URL":
        return os.environ.get("PREFECT_API_AUTH_STRING")
    from srdi.api_auth import read
    return read(home.state)


def _ours(run: dict, home: Home) -> bool:
    """A run of this home: its `home` parameter names it, or it has none (a deployment run: SRDI_HOME)."""
    h = (run.get("parameters") or {}).get("home")
    return h in (None, "", str(home.root))


def api_last_runs(api: str, home: Home, auth: str | None = None) -> list[dict]:
    flows = {f["name"]: f["id"] for f in _post(api, "/flows/filter", {"flows": {"name": {"any_": list(FLOWS)}}},
                                               auth=auth)}
    out = []
    for name in FLOWS:
        if name not in flows:
            continue
        runs = _post(api, "/flow_runs/filter", {
            "flows": {"id": {"any_": [flows[name]]}}, "sort": "EXPECTED_START_TIME_DESC", "limit": 25,
            "flow_runs": {"state": {"type": {"any_": FINAL_AND_RUNNING}}}}, auth=auth)
        run = next((r for r in runs if _ours(r, home)), None)
        if run is None:
            continue
        state = run.get("state") or {}
        out.append({"flow": name, "source": "prefect", "state": state.get("type"), "state_name": state.get("name"),
                    "message": state.get("message"), "start": run.get("start_time"), "end": run.get("end_time"),
                    "seconds": run.get("total_run_time"), "period": (run.get("parameters") or {}).get("period"),
                    "flow_run": run.get("name")})
    return out


def api_next_runs(api: str, auth: str | None = None) -> list[dict]:
    out = []
    for d in _post(api, "/deployments/filter", {}, auth=auth):
        runs = _post(api, "/flow_runs/filter", {
            "deployments": {"id": {"any_": [d["id"]]}}, "sort": "EXPECTED_START_TIME_ASC", "limit": 1,
            "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}, auth=auth)
        if runs:
            out.append({"deployment": d["name"], "at": runs[0].get("expected_start_time"), "source": "srdi serve",
                        "paused": bool(d.get("paused"))})
    return out


def api_waiting_runs(api: str, auth: str | None = None) -> list[dict]:
    """Runs waiting for a concurrency slot (Prefect's AwaitingConcurrencySlot) and why: the runs of the same
    deployment holding its slots (running, pending or cancelling), each with whether its process is still there
    (srdi/dead_runs.py: a dead one is set Crashed when `srdi serve` or the next command starts)."""
    from srdi.dead_runs import AWAITING_SLOT, UNFINISHED, process_runs
    waiting = _post(api, "/flow_runs/filter", {"flow_runs": {"state": {"name": {"any_": [AWAITING_SLOT]}}},
                                               "sort": "EXPECTED_START_TIME_ASC", "limit": 50}, auth=auth)
    if not waiting:
        return []
    ids = sorted({r["deployment_id"] for r in waiting if r.get("deployment_id")})
    deployments = {d["id"]: d for d in _post(api, "/deployments/filter", {"deployments": {"id": {"any_": ids}}},
                                             auth=auth)} if ids else {}
    holders: dict[str, list[dict]] = {}
    for dep in ids:
        holders[dep] = []
        for h in _post(api, "/flow_runs/filter", {"flow_runs": {"deployment_id": {"any_": [dep]},
                                                                "state": {"type": {"any_": list(UNFINISHED)}}}},
                       auth=auth):
            pid = (h.get("infrastructure_pid") or "").rpartition(":")[2]
            alive = process_runs(int(pid), h["id"]) if pid.isdigit() else None
            holders[dep].append({"flow_run": h.get("name"), "state": (h.get("state") or {}).get("type"),
                                 "start": h.get("start_time"), "pid": int(pid) if pid.isdigit() else None,
                                 "process_alive": alive})
    out = []
    for r in waiting:
        d = deployments.get(r.get("deployment_id")) or {}
        state = r.get("state") or {}
        out.append({"flow_run": r.get("name"), "deployment": d.get("name"), "since": state.get("timestamp"),
                    "limit": d.get("concurrency_limit") or (d.get("global_concurrency_limit") or {}).get("limit"), "message": state.get("message"),
                    "holders": holders.get(r.get("deployment_id"), [])})
    return out


# ---------------------------------------------------------------- the overview

def reporting_quarter(today: date, deadline_days: int) -> str:
    """The quarter being reported now: last quarter until its deadline has passed, then this one."""
    from schemas.periods import previous_quarter, quarter_end
    this = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    last = previous_quarter(this)
    return last if today <= quarter_end(last) + timedelta(days=deadline_days) else this


def _jsonable(v):
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


def overview(home: Home, period: str | None = None, settle: float = 2.0) -> dict:
    from schemas.labels import KIND
    from schemas import clock
    from schemas.periods import period_label, today_in_china
    from schemas.rollup_config import ConfigError, load
    from warehouse import status as ws

    warnings: list[str] = []
    rules_ok = True
    try:
        cfg = load(home.rollup_config if home.rollup_config.exists() else None)
    except (ConfigError, OSError, UnicodeDecodeError) as exc:
        warnings.append(f"汇总规则文件有误，汇总会失败（以下按内置规则显示）：{exc}")
        cfg, rules_ok = load(), False
    tz = cfg.time_zone   # the programme's zone: every time below is shown in it
    now = datetime.now(timezone.utc).astimezone(clock.zone(tz))
    today = today_in_china(tz)
    quarter = period or reporting_quarter(today, cfg.deadline_days)
    wh = ws.read_warehouse(home, cfg, quarter, today)
    if wh.error:
        warnings.append(f"分析副本 {home.warehouse} 无法打开（{wh.error}）：运行 srdi publish 重新发布")

    inbox = ws.inbox_view(home, wh.notes, settle).as_dict()

    # ---- last runs
    api, api_kind = find_api(home)
    last_runs, api_error, waiting, auth = [], None, [], None
    if api:
        from srdi.api_auth import CredentialError
        try:
            auth = api_credential(home, api_kind)
            last_runs = api_last_runs(api, home, auth)
            waiting = api_waiting_runs(api, auth)
        except (OSError, ValueError, KeyError, CredentialError) as exc:
            api_error = f"{type(exc).__name__}: {exc}"
    if not api or api_error:
        sub = wh.submissions or {}
        if sub.get("last_processed_at"):
            last_runs.append({"flow": "ingest", "source": "warehouse", "end": shanghai(sub["last_processed_at"], tz),
                              "files": {k: sub[k] for k in ("files", "loaded", "superseded", "rejected", "duplicate")}})
        for r in wh.rollups:
            last_runs.append({"flow": {v: k for k, v in ROLLUP_KIND.items()}[r["kind"]], "source": "warehouse",
                              "end": shanghai(r["computed_at"], tz), "period": r["period"], "pack": r["pack_path"],
                              "pack_exists": bool(r["pack_path"]) and Path(r["pack_path"]).exists()})

    # ---- next runs
    serve_api = None
    try:
        from srdi.runtime import running_server
        serve_api = running_server(home)
    except Exception:
        pass
    planned = planned_runs(now)
    if serve_api:
        try:
            live = {r["deployment"]: r for r in api_next_runs(serve_api, api_credential(home, "srdi serve"))}
            for p in planned:
                if p["deployment"] in live:
                    p.update(at=live[p["deployment"]]["at"], source="srdi serve", paused=live[p["deployment"]]["paused"])
        except Exception:          # the next runs then come from prefect.yaml, as without serve
            pass

    # ---- compliance
    labels = {d["name"]: d["label"] for d in deployments()}
    due = None
    rows = wh.compliance
    known = not wh.error       # an analyst copy that cannot be read says nothing about who reported
    if not wh.available:       # nothing published yet: everyone owes what they owe; unreadable: who owes what
        rows = [{**o, "status": ("not_due" if today <= o["due_date"] else "missing") if known else "unknown",
                 "received_at": None, "days_late": None} for o in ws.obligations(cfg, quarter)]
    if rows:
        due = rows[0]["due_date"]
    compliance = {"quarter": quarter, "label": period_label(quarter), "due_date": due, "known": known,
                  "deadline_passed": bool(due and today > due),
                  "owed": len(rows), "reported": sum(r["status"] in ("on_time", "late") for r in rows),
                  "rows": [{**{k: r.get(k) for k in ("bureau", "form", "status", "days_late", "responsible_leader",
                                                     "note")}, "received_at": shanghai(r.get("received_at"), tz)}
                           for r in rows]}

    # ---- configuration
    owing = list(dict.fromkeys([*cfg.owes("enterprise"), *cfg.owes("task")]))
    missing_leaders = [b for b in owing if not (cfg.leader(b) or "").strip()] if rules_ok else []
    if missing_leaders:
        where = home.rollup_config if home.rollup_config.exists() else f"{home.rollup_config}（文件不存在：srdi init 会写一份）"
        warnings.append(f"责任领导未配置：{'、'.join(missing_leaders)}（共 {len(missing_leaders)} 个单位），催报清单显示"
                        f"（未配置）。请在 {where} 的 [leaders] 中填写")
    age = ws.copy_age(home)
    if age["older_than_writer"]:
        warnings.append(f"分析副本比写入库旧（发布于 {when(_parse_iso(age['published_at']), tz)}，写入库 "
                        f"{when(_parse_iso(age['writer_changed_at']), tz)} 有改动）：运行 srdi publish，或等下次入库或汇总")
    if not serve_api:
        warnings.append("srdi serve 没有运行：到点不会自动入库和汇总（按需手动运行，或启动 srdi serve）")
    if api_error:
        warnings.append(f"Prefect API {api} 读取失败（{api_error}）：最近运行取自数据库")
    mail = mail_overview(home, warnings)

    return _jsonable({
        "home": str(home.root), "now": now, "time_zone": tz, "inbox": inbox,
        "last_runs": [{**r, "label": labels.get(r["flow"]) or (KIND.get(ROLLUP_KIND.get(r["flow"], "")) or r["flow"])}
                      for r in last_runs],
        "runs_from": f"Prefect API（{api_kind}，{api}）" if api and not api_error else "数据库记录（warehouse）",
        "waiting_for_slot": [{**w, "label": labels.get(w["deployment"]) or w["deployment"]} for w in waiting],
        "next_runs": planned, "serve_running": bool(serve_api),
        "compliance": compliance, "warnings": warnings, "analyst_copy": age,
        "warehouse_available": wh.available, "mail": mail,
    })


def mail_overview(home: Home, warnings: list[str]) -> dict | None:
    """The mail spool (warehouse/mail_spool.py) when [mail] is set or something was spooled; a [mail] table that
    cannot be read is a warning. None: mail is off and was never used."""
    from schemas.mail_config import MailConfigError, load_mail_config
    from schemas.rollup_config import load
    from warehouse import mail_spool
    try:
        cfg = load_mail_config(home.rollup_config)
    except MailConfigError as exc:
        warnings.append(f"邮件设置（{home.rollup_config} 的 [mail]）有误，不发送邮件：{exc}")
        cfg = None
    if cfg is None and not mail_spool.mail_dir(home).exists():
        return None
    summary = mail_spool.summary(home)
    if cfg is not None:
        try:
            owing = load(home.rollup_config).obligations_for("9999Q1")   # every bureau that owes reports
        except Exception:         # the rules' own trouble is said above
            owing = []
        without = sorted({b for b, _ in owing if not cfg.contacts(b)})
        if without:
            warnings.append(f"邮件已开启，但以下单位没有联系人、收不到回执邮件：{'、'.join(without)}"
                            f"（在 {home.rollup_config} 的 [mail.bureaus] 中填写）")
    if summary["errors"]:
        warnings.append(f"有 {len(summary['errors'])} 封邮件发送失败，仍在队列中等待重试（见上面“邮件”；运行 srdi mail send 立即重试）")
    if summary["failed"]:
        warnings.append(f"有 {len(summary['failed'])} 封邮件多次发送失败、已放弃：见 {mail_spool.folder(home, mail_spool.FAILED)}")
    return {"on": cfg is not None, **summary}


# ---------------------------------------------------------------- the screen

def pad(text: str, width: int = 30) -> str:
    """`text` padded to `width` terminal columns (a CJK character takes two)."""
    from schemas.text_width import terminal_width
    return text + " " * max(1, width - terminal_width(text))


def _some(items: list[str], n: int = SHOW) -> str:
    shown = "；".join(items[:n])
    return shown + (f"；…另有 {len(items) - n} 个" if len(items) > n else "")


def render(o: dict) -> list[str]:
    from schemas.labels import COMPLIANCE, FORM, OUTCOME
    now = datetime.fromisoformat(o["now"])
    tz = o.get("time_zone")
    out = []
    ib = o["inbox"]
    out.append(f"收件箱 share/inbox/（{ib['bureau_folders']} 个单位文件夹）")
    if ib["waiting"]:
        by: dict[str, int] = {}
        for f in ib["waiting"]:
            by[f["bureau"]] = by.get(f["bureau"], 0) + 1
        out.append(f"  待入库 {len(ib['waiting'])} 个：" + "、".join(f"{b} {n}" for b, n in by.items())
                   + "（运行 srdi ingest，或等 srdi serve 的下次入库）")
    else:
        out.append("  待入库 0 个")
    if ib["settling"]:
        out.append(f"  正在写入（未满 --settle 秒未变）{len(ib['settling'])} 个：" + _some([f["file"] for f in ib["settling"]]))
    if ib["unanswered"]:
        out.append(f"  不予处理 {len(ib['unanswered'])} 个（说明写在 share/outbox/）：")
        out += [f"    {u['entry']} — {u['reason']}" for u in ib["unanswered"][:SHOW]]
        if len(ib["unanswered"]) > SHOW:
            out.append(f"    …另有 {len(ib['unanswered']) - SHOW} 个")
    if ib["unknown_folders"]:
        out.append("  未知文件夹（不是已知单位，其中的文件不予处理）：" + _some(
            [f"{u['folder']}/（{u['files']} 个文件，已说明 {u['noted']} 个）" for u in ib["unknown_folders"]]))

    out.append(f"最近运行（{o['runs_from']}）")
    if not o["last_runs"]:
        out.append("  还没有运行记录")
    for r in o["last_runs"]:
        label = pad(f"{r['label']}（{r['flow']}）")
        if r["source"] == "prefect":
            start = _parse_iso(r.get("start"))
            state = RUN_STATE.get(r.get("state"), r.get("state_name") or r.get("state"))
            took = f"，用时 {round(r['seconds'])} 秒" if r.get("seconds") else ""
            period = f"，报告期 {r['period']}" if r.get("period") else ""
            msg = f"：{r['message']}" if r.get("state") not in ("COMPLETED", "RUNNING") and r.get("message") else ""
            out.append(f"  {label}{when(start, tz)}（{ago(start, now)}）{state}{took}{period}{msg}")
        elif r["flow"] == "ingest":
            end = _parse_iso(r["end"])
            f = r["files"]
            out.append(f"  {label}最近处理文件 {when(end, tz)}（{ago(end, now)}）；累计 {f['files']} 份："
                       f"{OUTCOME['loaded']} {f['loaded']}、被替代 {f['superseded']}、{OUTCOME['rejected']} {f['rejected']}、"
                       f"{OUTCOME['duplicate']} {f['duplicate']}")
        else:
            end = _parse_iso(r["end"])
            pack = "" if r.get("pack_exists") else "（会议材料文件不见了）"
            out.append(f"  {label}{when(end, tz)}（{ago(end, now)}）算了 {r['period']}{pack}")

    for w in o.get("waiting_for_slot", []):
        since = _parse_iso(w.get("since"))
        out.append(f"  ⏳ {w['label']}（{w['deployment']}）的运行 {w['flow_run']} 自 {when(since, tz)} 起等待并发名额"
                   f"（此部署同时最多运行 {w.get('limit') or '?'} 个）")
        if not w["holders"]:
            out.append("     占着名额的运行已结束，Prefect 会随即放行 / the slot is free: Prefect lets it start")
        for h in w["holders"]:
            gone = h.get("process_alive") is False
            pid = f"，进程 {h['pid']}" + ("已不存在" if gone else "") if h.get("pid") else "，尚无进程"
            fix = "：重启 srdi serve（或运行任一 srdi 命令）会把它标为异常中止并放出名额" if gone else ""
            out.append(f"     占着名额：{h['flow_run']} {RUN_STATE.get(h.get('state'), h.get('state'))}"
                       f"（自 {when(_parse_iso(h.get('start')), tz)}{pid}）{fix}")

    out.append("下次运行（北京时间）" + ("" if o["serve_running"] else "：srdi serve 未运行，以下时间到了也不会执行"))
    for r in o["next_runs"]:
        label = pad(f"{r['label']}（{r['deployment']}）")
        if r.get("at"):
            at = _parse_iso(r["at"])
            period = f"，计算 {r['period']}" if r.get("period") else ""
            paused = "（已暂停）" if r.get("paused") else ""
            out.append(f"  {label}{when(at, tz)}{period}{paused}")
        else:
            out.append(f"  {label}每 {round(r['every_seconds'] / 60)} 分钟")

    c = o["compliance"]
    due = c["due_date"]
    if c["owed"] == 0:
        out.append(f"报送情况（{c['label']}）：本季度无报送义务")
    else:
        left = (date.fromisoformat(due) - now.date()).days if due else None
        deadline = (f"截止 {due}，" + (f"已过 {-left} 天" if left < 0 else f"还有 {left} 天" if left else "今天截止")) if left is not None else ""
        if not c.get("known", True):
            out.append(f"报送情况（{c['label']}，{deadline}）：分析副本无法打开，无法判断谁已报送（见提示）")
            c = {**c, "rows": []}
        else:
            out.append(f"报送情况（{c['label']}，{deadline}）：已报送 {c['reported']}/{c['owed']}")
        groups: dict[str, dict[str, list[str]]] = {}
        for r in c["rows"]:
            groups.setdefault(r["status"], {}).setdefault(r["bureau"], []).append(FORM.get(r["form"], r["form"]))
        for status in ("on_time", "late", "rejected", "not_due", "missing"):
            if groups.get(status):
                items = [f"{b}（{'、'.join(forms)}）" for b, forms in groups[status].items()]
                out.append(f"  {COMPLIANCE.get(status, status)} {len(items)} 个单位：{_some(items, 7)}")

    if o.get("mail"):
        from srdi.commands.mail import status_lines
        out += status_lines(o["mail"]) if o["mail"]["on"] else [f"邮件：未开启（待发送 {o['mail']['waiting']} 封）"]

    a = o["analyst_copy"]
    if a["published_at"]:
        pub = _parse_iso(a["published_at"])
        state = "比写入库旧" if a["older_than_writer"] else "与写入库一致"
        out.append(f"分析副本 warehouse.duckdb：发布于 {when(pub, tz)}（{ago(pub, now)}），{state}")
    else:
        out.append("分析副本 warehouse.duckdb：还没有（第一次 srdi ingest 后发布）")
    if o["warnings"]:
        out.append("提示")
        out += [f"  ⚠ {w}" for w in o["warnings"]]
    return out


def run(args) -> int:
    home = Home.resolve(args.home)
    o = overview(home, args.period, args.settle)
    if args.format == "json":
        json.dump(o, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        from schemas.terminal import visible    # names from the share are shown, never obeyed (ESC, CSI, OSC …)
        print("\n".join(visible(line) for line in render(o)))
    return 0
