"""The messages srdi mails, built with Python's `email` package and put in the home's spool (warehouse/mail_spool.py):

* `spool_feedback`: a bureau's receipt (回执) or error list (错误清单, with its annotated copy), to the bureau's
  contacts of [mail.bureaus], as soon as the intake has written it (tasks/intake/file_away.py). Building and
  spooling never raises into the ingest: any trouble is logged and the ingest goes on.
* `overdue_message`: to ops, once after each reporting deadline, the bureaus still overdue (tasks/mail/overdue.py).
* `failed_run_message`: to ops, a scheduled flow run that failed or crashed (flows/mail.py `notify_failed_run`).

Subjects and bodies are Chinese (they are read by bureaus and the office); nothing here sends: tasks/mail/send.py
does, from the spool.
"""
from __future__ import annotations

import mimetypes
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from pathlib import Path

from schemas import clock
from schemas.labels import FORM
from schemas.mail_config import MailConfig, MailConfigError, load_mail_config
from schemas.periods import period_label
from tasks.run_log import run_logger
from warehouse import mail_spool
from warehouse.home import Home

SYSTEM = "蛟河市“专精特新”数据报送系统"
FOOTER = f"此邮件由{SYSTEM}自动发送，请勿直接回复。"
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024   # larger outbox files are named, not attached (most servers refuse 20 MB+)


@lru_cache(maxsize=16)
def _cached(path: Path, stamp: int) -> MailConfig | None:
    return load_mail_config(path)


def mail_config(home: Home) -> MailConfig | None:
    """[mail] of the home's rules file, read once per version of the file; None when mail is off.
    MailConfigError when the table is wrong."""
    try:
        stamp = home.rollup_config.stat().st_mtime_ns
    except OSError:
        return None
    return _cached(home.rollup_config, stamp)


def new_message(cfg: MailConfig, to: tuple[str, ...], subject: str, body: str, key: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = cfg.sender
    msg["To"] = ", ".join(to)
    msg["Date"] = format_datetime(clock.now())
    domain = cfg.sender.rpartition("@")[2].rstrip(">").strip() or None
    msg["Message-ID"] = make_msgid(idstring=key, domain=domain)   # fixed at spooling: a resend is recognisable
    msg.set_content(body + "\n\n" + FOOTER + "\n", cte="base64")   # Chinese text: 7-bit safe on any server
    return msg


def attach(msg: EmailMessage, path: Path) -> bool:
    """`path` attached under its own (Chinese) name; False when it is too large (the body names it instead)."""
    if path.stat().st_size > MAX_ATTACHMENT_BYTES:
        return False
    ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".txt":
        ctype = "text/plain"
    maintype, subtype = ctype.split("/", 1)
    data = path.read_bytes()
    if maintype == "text":
        msg.add_attachment(data.decode("utf-8-sig"), subtype=subtype, filename=path.name)
    else:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    return True


# ---------------------------------------------------------------- a bureau's receipt or error list

def _forms(subs: list[dict]) -> str:
    forms = [FORM.get(s["form"], s["form"]) for s in subs if s.get("form")]
    return "、".join(dict.fromkeys(forms)) or "报送文件"


def feedback_files(home: Home, bureau: str, file_name: str, first_id: int, status: str) -> list[Path]:
    """The outbox files the intake wrote for one dropped file, in the order a bureau reads them."""
    from tasks.bureau.outbox import outbox_names
    out = home.outbox / bureau
    found = []
    for ext in (".xlsx", ".txt"):
        names = outbox_names(Path(file_name).stem, first_id, ext)
        kinds = ("errors", "annotated") if status == "rejected" else ("receipt",)
        found += [out / names[k] for k in kinds if (out / names[k]).exists()]
    return found


def feedback_message(cfg: MailConfig, home: Home, subs: list[dict], ids: list[int],
                     errors: int) -> tuple[str, EmailMessage] | None:
    """(key, message) for the outbox of one dropped file (its submissions `subs`), or None when its bureau has no
    contact in [mail.bureaus] or nothing was written."""
    first = subs[0]
    bureau, status, file_name = first["bureau"], first["status"], first["file_name"]
    to = cfg.contacts(bureau)
    if not to:
        return None
    files = feedback_files(home, bureau, file_name, ids[0], status)
    if not files:
        return None
    period = period_label(first["period"]) if first.get("period") else "报送期未识别"
    forms = _forms(subs)
    received = clock.shown(first.get("received_at"), home.time_zone)
    what = f"《{file_name}》（{period}，{forms}）"
    if status == "rejected":
        subject = f"【错误清单】{bureau} {period} {forms}：未通过校验，已退回（{errors} 个错误）"
        lines = [f"{bureau}：", "",
                 f"您单位{received}报送的{what}未通过校验，已退回，共 {errors} 个错误。",
                 "请按附件中的错误清单逐条修改，修改后把文件重新放入本单位的报送文件夹。"]
        if len(files) > 1:
            lines.append("另附批注版：在您报送的表格中用红色标出了每个错误单元格，鼠标移到单元格上可看修改说明。")
    elif status == "duplicate":
        subject = f"【回执】{bureau} {period} {forms}：与已报送内容相同，未重复入库"
        lines = [f"{bureau}：", "", f"您单位{received}报送的{what}与已入库的报送内容完全相同，未重复入库，无需处理。",
                 "回执见附件。"]
    else:
        rows = sum(s.get("row_count") or 0 for s in subs)
        subject = f"【回执】{bureau} {period} {forms}：已入库"
        lines = [f"{bureau}：", "", f"您单位{received}报送的{what}已通过校验并入库，共 {rows} 行。",
                 "回执见附件（其中列出了入库行数、提示事项，以及与上次报送相比改动的内容）。"]
    key = f"feedback-{ids[0]}"
    msg = new_message(cfg, to, subject, "\n".join(lines), key)
    skipped = [p.name for p in files if not attach(msg, p)]
    if skipped:
        # the body is already set; say which files were too large to attach (they are in the outbox folder)
        body = msg.get_body(("plain",))
        assert body is not None
        text = body.get_content().replace(FOOTER, f"以下文件较大，未随邮件附上，请到本单位的回执文件夹查看："
                                                  f"{'、'.join(skipped)}。\n\n{FOOTER}")
        body.set_content(text, cte="base64")
    return key, msg


def spool_feedback(home: Home, data, ids: list[int]) -> Path | None:
    """Spool the mail of one dropped file's outbox (its submissions `ids`; `data` a FeedbackData covering them, or a
    DuckDB connection). Never raises: mail off, no contact, or any trouble (logged) leaves the ingest as it was."""
    try:
        cfg = mail_config(home)
        if cfg is None:
            return None
        from warehouse.outbox_data import FeedbackData
        if not isinstance(data, FeedbackData):
            data = FeedbackData.load(data, ids)
        subs = [data.subs[i] for i in sorted(ids) if i in data.subs]
        if not subs or mail_spool.known(home, f"feedback-{ids[0]}"):
            return None
        errors = sum(f["severity"] == "error" for i in ids for f in data.findings.get(i, []))
        built = feedback_message(cfg, home, subs, list(ids), errors)
        if built is None:
            return None
        key, msg = built
        return mail_spool.put(home, key, msg.as_bytes())
    except MailConfigError as exc:
        run_logger().warning("mail: [mail] in %s is wrong, no mail spooled: %s", home.rollup_config, exc)
    except Exception as exc:   # mail is a courtesy: the ingest goes on, the log says why this one is missing
        run_logger().error("mail: the mail of submission %s was not spooled (%s: %s)", ids, type(exc).__name__, exc)
    return None


# ---------------------------------------------------------------- ops

def overdue_message(cfg: MailConfig, quarter: str, due: str, rows: list[dict],
                    owed: int) -> tuple[str, EmailMessage] | None:
    """The bureaus still overdue for `quarter` after its deadline `due` (compliance rows whose status is missing
    or rejected), to ops; None when no ops address is configured."""
    if not cfg.ops:
        return None
    from schemas.labels import COMPLIANCE
    period = period_label(quarter)
    bureaus = list(dict.fromkeys(r["bureau"] for r in rows))
    key = f"overdue-{quarter}"
    if not rows:
        subject = f"【催报】{period}报送截止（{due}）：各单位均已报送"
        body = f"{period}的报送已于 {due} 截止，应报送的 {owed} 项均已收到。"
        return key, new_message(cfg, cfg.ops, subject, body, key)
    subject = f"【催报】{period}报送截止（{due}）后仍未报送：{len(bureaus)} 个单位"
    lines = [f"{period}的报送已于 {due} 截止。截至今天，以下 {len(bureaus)} 个单位仍未报送（共 {len(rows)} 项，"
             f"应报送 {owed} 项）：", ""]
    for n, r in enumerate(rows, start=1):
        leader = r.get("responsible_leader") or "（未配置）"
        lines.append(f"{n}. {r['bureau']}　{FORM.get(r['form'], r['form'])}　{COMPLIANCE.get(r['status'], r['status'])}"
                     f"　责任领导：{leader}")
    lines += ["", "请督促上述单位尽快报送。本清单每个季度在截止日后只发送一次。"]
    return key, new_message(cfg, cfg.ops, subject, "\n".join(lines), key)


def failed_run_message(cfg: MailConfig, run: dict, tz: str) -> tuple[str, EmailMessage] | None:
    """A scheduled flow run that failed or crashed (`run`: id, name, flow, deployment, state, message, start), to
    ops; None when no ops address is configured."""
    if not cfg.ops:
        return None
    state = {"FAILED": "失败", "CRASHED": "异常中止"}.get(str(run.get("state", "")).upper(), str(run.get("state")))
    what = run.get("deployment") or run.get("flow") or "?"
    start = run.get("start")
    when = clock.shown(start, tz) if isinstance(start, datetime) else str(start or "")
    subject = f"【运行{state}】{what}（{run.get('name')}）"
    lines = [f"srdi 的计划运行 {what}（流程 {run.get('flow')}，运行 {run.get('name')}）{state}。",
             f"开始时间：{when}", f"状态说明：{run.get('message') or '（无）'}", f"运行编号：{run.get('id')}", "",
             "请在 Prefect 界面查看该运行的日志（srdi serve 启动时会打印界面地址），或运行 srdi status。"]
    key = f"run-failed-{run.get('id')}"
    return key, new_message(cfg, cfg.ops, subject, "\n".join(lines), key)


def spool(home: Home, built: tuple[str, EmailMessage] | None) -> Path | None:
    if built is None:
        return None
    key, msg = built
    return mail_spool.put(home, key, msg.as_bytes())
