"""The overdue list: once after each reporting deadline, ops get the bureaus still overdue for that quarter.

The deadline is the rules' (quarter end + [deadline] days_after_quarter_end, judged on the programme's calendar
day); who is overdue is the compliance the rollups and `srdi status` compute (models/compliance.sql, through
warehouse/status.py `read_warehouse`): an obligation still `missing`, or whose only reports were rejected. The
message's key names the quarter (`overdue-2022Q3`), so it is spooled once whatever runs check again; only the most
recent deadline is ever mailed (a home set up late gets no mail about quarters long past).
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from schemas.mail_config import MailConfigError
from schemas.periods import previous_quarter, quarter_end, today_in_china
from tasks.mail.compose import mail_config, overdue_message, spool
from tasks.run_log import run_logger
from warehouse import mail_spool
from warehouse.home import Home

STILL_OVERDUE = ("missing", "rejected")


def last_deadline_passed(today: date, deadline_days: int, first_period: str) -> tuple[str, date] | None:
    """The quarter whose deadline passed most recently before `today` (the day after the deadline is the first
    day it is overdue), and that deadline; None before the programme's first quarter's."""
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    while quarter >= first_period:
        due = quarter_end(quarter) + timedelta(days=deadline_days)
        if due < today:
            return quarter, due
        quarter = previous_quarter(quarter)
    return None


def spool_overdue(home: Home, today: date | None = None) -> Path | None:
    """Spool the overdue list of the last deadline passed, once (None: not due, sent before, mail off or no ops
    address, or the compliance could not be read: logged, tried again next time)."""
    from schemas.rollup_config import ConfigError, load
    from warehouse import status as ws
    log = run_logger()
    try:
        mail = mail_config(home)
    except MailConfigError as exc:
        log.warning("mail: [mail] in %s is wrong, no overdue list: %s", home.rollup_config, exc)
        return None
    if mail is None or not mail.ops:
        return None
    try:
        cfg = load(home.rollup_config if home.rollup_config.exists() else None)
    except (ConfigError, OSError, UnicodeDecodeError) as exc:
        log.error("mail: the rules cannot be read, no overdue list: %s", exc)
        return None
    today = today or today_in_china(cfg.time_zone)
    passed = last_deadline_passed(today, cfg.deadline_days, cfg.first_period)
    if passed is None:
        return None
    quarter, due = passed
    if mail_spool.known(home, f"overdue-{quarter}"):
        return None
    view = ws.read_warehouse(home, cfg, quarter, today)
    if view.error:
        log.error("mail: the analyst copy cannot be read, the overdue list of %s waits: %s", quarter, view.error)
        return None
    rows = view.compliance if view.available else [
        {**o, "status": "missing"} for o in ws.obligations(cfg, quarter)]     # nothing published yet: all owed
    if not rows:
        return None
    overdue = [r for r in rows if r["status"] in STILL_OVERDUE]
    path = spool(home, overdue_message(mail, quarter, due.isoformat(), overdue, len(rows)))
    if path is not None:
        log.info("mail: the overdue list of %s (%d still owed) is spooled", quarter, len(overdue))
    return path
