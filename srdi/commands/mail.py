"""`srdi mail send`: send srdi's mail now, in this process, without Prefect: the overdue list if a deadline has
passed since it was last mailed, then every message waiting in <home>/state/mail/spool/ (what `srdi serve` does
after each ingest). `srdi mail status` lists what waits and why. Nothing happens while the home's rules file has no
[mail] table (README "Mail")."""
from __future__ import annotations

import sys

from srdi.exits import Exit
from warehouse.home import Home


def register(sub) -> None:
    p = sub.add_parser("mail", help="send srdi's mail now (receipts, error lists, the overdue list) or show the spool",
                       description=__doc__)
    p.add_argument("action", nargs="?", choices=("send", "status"), default="status",
                   help="send: send what waits now; status (the default): show the spool")
    p.set_defaults(func=run)


def _config_line(home: Home) -> str | None:
    from schemas.mail_config import MailConfigError, load_mail_config
    try:
        cfg = load_mail_config(home.rollup_config)
    except MailConfigError as exc:
        return f"邮件设置有误，未发送 / [mail] is wrong: {exc}"
    if cfg is None:
        return f"邮件未开启：{home.rollup_config} 中没有 [mail]（见 README“Mail”）/ mail is off: no [mail] there"
    return None


def run(args) -> int:
    from warehouse import mail_spool
    home = Home.resolve(args.home)
    problem = _config_line(home)
    if args.action == "status" or problem:
        if problem:
            print(problem, file=sys.stderr if args.action == "send" else sys.stdout)
        for line in status_lines(mail_spool.summary(home)):
            print(line)
        return Exit.USAGE if problem and args.action == "send" and "有误" in problem else 0
    import os

    from srdi.runtime import QUIET, prefect_home
    for k, v in QUIET.items():        # Prefect is imported (flows/, tasks/), never started: no telemetry, home's state
        os.environ.setdefault(k, v)
    os.environ["PREFECT_HOME"] = prefect_home(home.root)
    from flows.mail import send_now
    result = send_now(home)
    if result["busy"]:
        print("另一个发送任务正在发送队列中的邮件，本次不重复发送 / another sender is working through the spool")
        return 0
    print(f"邮件：已发送 {result['sent']} 封，仍在队列中 {result['waiting']} 封，放弃 {result['failed']} 封")
    for e in result["errors"][:5]:
        print(f"  ⚠ {e}")
    return Exit.FAILED if result["errors"] else 0


def status_lines(s: dict) -> list[str]:
    """The spool on a few lines (also `srdi status`'s 邮件 section)."""
    out = [f"邮件：待发送 {s['waiting']} 封，已发送 {s['sent']} 封" + (f"，放弃 {len(s['failed'])} 封" if s["failed"] else "")]
    for e in s["errors"][:5]:
        out.append(f"  ⚠ {e['key']}：已试 {e['attempts']} 次，最近一次 {e['last_attempt_at'] or ''} 失败：{e['last_error']}")
    if s["failed"]:
        out.append(f"  ✗ 多次发送失败、已放弃（state/mail/failed/）：{'、'.join(s['failed'][:5])}")
    return out
