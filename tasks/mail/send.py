"""Send what waits in the spool (warehouse/mail_spool.py) over SMTP, each message once.

One sender at a time (`mail_spool.sending_lock`). Each message is sent to the recipients written in it (To, Cc);
accepted by the server, it moves to sent/ (with the recipients the server refused, if it refused only some: the
others have it, so it is never sent again). A message the server refuses, or a server that cannot be reached, is
logged, its attempt recorded beside it (`srdi status` shows the last error), and it stays in the spool for the next
run; after [mail] max_attempts it moves to failed/. `send_spooled_mail` raises when something is left because of an
error, so Prefect retries the task (and the run says so); the spool itself is never lost.
"""
from __future__ import annotations

import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.mail_config import MailConfig, MailConfigError
from tasks.mail.compose import mail_config
from tasks.run_log import run_logger
from warehouse import mail_spool
from warehouse.home import Home


class MailNotSent(RuntimeError):
    """Messages stay in the spool because of an error (a server that cannot be reached, a refused message)."""


def _connect(cfg: MailConfig, password: str | None) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if cfg.security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout_seconds, context=context)
    else:
        server = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_seconds)
    try:
        if cfg.security == "starttls":
            server.starttls(context=context)
        if cfg.user:
            server.login(cfg.user, password or "")
    except BaseException:
        server.close()
        raise
    return server


def _recipients(msg: EmailMessage) -> list[str]:
    return [a for _, a in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", [])) if a]


def _error(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "收件人地址被拒绝 / recipients refused: " + "; ".join(
            f"{a} ({code} {m.decode('utf-8', 'replace') if isinstance(m, bytes) else m})"
            for a, (code, m) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def send_spool(home: Home) -> dict:
    """Send every message waiting in the spool. Returns {"sent", "waiting", "failed", "errors", "off", "busy"}."""
    log = run_logger()
    result: dict[str, Any] = {"sent": 0, "waiting": 0, "failed": 0, "errors": [], "off": False, "busy": False}
    try:
        cfg = mail_config(home)
    except MailConfigError as exc:
        result["errors"].append(str(exc))
        log.error("mail: [mail] in %s is wrong, nothing sent: %s", home.rollup_config, exc)
        result["waiting"] = len(mail_spool.pending(home))
        return result
    if cfg is None:
        result["off"] = True
        return result
    with mail_spool.sending_lock(home) as mine:
        if not mine:
            result["busy"] = True          # another sender is working through the spool
            return result
        items = mail_spool.pending(home)
        if not items:
            return result
        server = None
        try:
            password = mail_spool.read_password(home, cfg.password_file, cfg.password_env)
            server = _connect(cfg, password)
        except (OSError, smtplib.SMTPException) as exc:
            problem = f"{cfg.host}:{cfg.port}: {_error(exc)}"
            log.error("mail: cannot reach the mail server, %d message(s) wait in the spool: %s", len(items), problem)
            result["errors"].append(problem)
            for item in items:
                _give_up_or_wait(home, cfg, item, problem, result)
            return result
        try:
            for item in items:
                try:
                    msg = BytesParser(policy=policy.SMTP).parsebytes(item.path.read_bytes())
                    assert isinstance(msg, EmailMessage)
                    refused = server.send_message(msg, from_addr=_envelope_sender(cfg), to_addrs=_recipients(msg))
                except (OSError, smtplib.SMTPException) as exc:
                    problem = _error(exc)
                    log.error("mail: %s not sent (%s); it stays in the spool", item.key, problem)
                    result["errors"].append(f"{item.key}: {problem}")
                    _give_up_or_wait(home, cfg, item, problem, result)
                    if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
                        for rest in items[items.index(item) + 1:]:
                            _give_up_or_wait(home, cfg, rest, problem, result)
                        break
                    continue
                mail_spool.record_attempt(home, item, None)
                item = mail_spool.Spooled(item.key, item.path, item.attempts + 1)
                bad = {a: f"{code} {m.decode('utf-8', 'replace') if isinstance(m, bytes) else m}"
                       for a, (code, m) in refused.items()}
                if bad:
                    log.warning("mail: %s sent, but the server refused %s", item.key, bad)
                mail_spool.mark_sent(home, item, bad)
                result["sent"] += 1
                log.info("mail: %s sent to %s", item.key, ", ".join(_recipients(msg)))
        finally:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                server.close()
    return result


def _envelope_sender(cfg: MailConfig) -> str:
    return getaddresses([cfg.sender])[0][1]


def _text(reply: bytes | str) -> str:
    """An SMTP reply as text (smtplib gives bytes, or str for errors it makes itself)."""
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _give_up_or_wait(home: Home, cfg: MailConfig, item, problem: str, result: dict) -> None:
    attempts = mail_spool.record_attempt(home, item, problem)
    if attempts >= cfg.max_attempts:
        mail_spool.mark_failed(home, mail_spool.Spooled(item.key, item.path, attempts, problem))
        run_logger().error("mail: %s given up after %d attempts (state/mail/failed/): %s", item.key, attempts, problem)
        result["failed"] += 1
    else:
        result["waiting"] += 1


@task(name="send-spooled-mail", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=20)
def send_spooled_mail(home: Home) -> dict:
    """The spool sent (send_spool); raises MailNotSent when messages stay because of an error, so Prefect tries
    the task again (the spool keeps them for the next run either way)."""
    result = send_spool(home)
    if result["errors"] and result["waiting"]:
        raise MailNotSent(f"{result['waiting']} 封邮件未能发送，留在发送队列中 / {result['waiting']} message(s) not "
                          f"sent, kept in the spool: {result['errors'][0]}")
    return result
