"""Mail (issue #22 item 4), end to end against a real SMTP server the test starts (aiosmtpd, in a thread):

* a bureau's contact gets its receipt, or its error list and annotated copy, attached, under a Chinese subject
  naming the bureau, the period, the form and the outcome; a bureau without a contact gets nothing;
* the ingest only spools (nothing is sent while it runs); the spool is sent afterwards, each message once;
* with the mail server down, the ingest completes and stores exactly what it stores without mail, and the messages
  wait in the spool (with the error recorded) until the server is back;
* ops get the overdue list once after a deadline.

Every expected subject and body line below is written by hand from the files dropped and the policy's deadline
(quarter end + 10 days).
"""
from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import date
from email import policy
from email.parser import BytesParser

import pytest

from samples.workbooks import enterprise_rows, write_xlsx
from tests.conftest import drop
from tests.helpers import q
from warehouse import mail_spool

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

GONGXIN = "gongxin@bureau.example.cn"
NONGYE = ["nongye@bureau.example.cn", "nongye-2@bureau.example.cn"]
OPS = "ops@office.example.cn"


@dataclass
class Received:
    sender: str
    rcpt: list[str]
    message: object


@dataclass
class Inbox:
    port: int
    got: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        msg = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        self.got.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller
    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def mail_section(port: int) -> str:
    return (f'\n[mail]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            f'sender = "蛟河市专精特新数据报送系统 <srdi@office.example.cn>"\nops = ["{OPS}"]\n'
            f'[mail.bureaus]\n"工信局" = "{GONGXIN}"\n"蛟河市农业农村局" = {NONGYE!r}\n'.replace("'", '"'))


def with_mail(home, port: int):
    from schemas.rollup_config import default_text
    home.rollup_config.write_text(default_text() + mail_section(port), encoding="utf-8")
    return home


def drop_files(home) -> None:
    """工信局: a valid 企业库 for 2022Q3; 农业农村局: one with a negative patent count (rejected, one error);
    商务局 (no contact configured): a valid one."""
    write_xlsx(drop(home, "工信局", "工信局企业库2022Q3.xlsx"), enterprise_rows(3, seed=1))
    bad = enterprise_rows(2, seed=2)
    bad[1][4] = -3                                   # 专利数量: below zero, range.min
    write_xlsx(drop(home, "农业农村局", "农业农村局企业库2022Q3.xlsx"), bad)
    write_xlsx(drop(home, "商务局", "商务局企业库2022Q3.xlsx"), enterprise_rows(2, seed=3))


def attachments(msg) -> list[str]:
    return [part.get_filename() for part in msg.iter_attachments()]


def body(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def test_receipts_and_error_lists_are_spooled_by_the_ingest_and_sent_once_afterwards(home, run_ingest, smtp):
    from tasks.mail.send import send_spool
    with_mail(home, smtp.port)
    drop_files(home)
    run_ingest(home)

    # the ingest only spooled: two messages (商务局 has no contact), nothing sent yet
    assert smtp.got == []
    ids = dict(q(home, "SELECT bureau, min(submission_id) FROM submissions GROUP BY bureau"))
    assert sorted(s.key for s in mail_spool.pending(home)) == sorted(
        [f"feedback-{ids['工信局']}", f"feedback-{ids['农业农村局']}"])

    result = send_spool(home)
    assert result["sent"] == 2 and result["errors"] == [] and mail_spool.pending(home) == []
    by_subject = {r.message["Subject"]: r for r in smtp.got}
    assert set(by_subject) == {"【回执】工信局 2022年第三季度 种子企业库：已入库",
                               "【错误清单】农业农村局 2022年第三季度 种子企业库：未通过校验，已退回（1 个错误）"}

    receipt = by_subject["【回执】工信局 2022年第三季度 种子企业库：已入库"]
    assert receipt.rcpt == [GONGXIN] and receipt.sender == "srdi@office.example.cn"
    assert receipt.message["To"] == GONGXIN
    assert "蛟河市专精特新数据报送系统" in str(receipt.message["From"])
    text = body(receipt.message)
    assert text.startswith("工信局：")
    assert "《工信局企业库2022Q3.xlsx》（2022年第三季度，种子企业库）已通过校验并入库，共 3 行。" in text
    (sid,) = q(home, "SELECT submission_id FROM submissions WHERE bureau = '工信局'")[0]
    assert attachments(receipt.message) == [f"工信局企业库2022Q3_回执_{sid}.xlsx"]
    (part,) = receipt.message.iter_attachments()
    assert part.get_content() == (home.outbox / "工信局" / f"工信局企业库2022Q3_回执_{sid}.xlsx").read_bytes()

    errors = by_subject["【错误清单】农业农村局 2022年第三季度 种子企业库：未通过校验，已退回（1 个错误）"]
    assert sorted(errors.rcpt) == sorted(NONGYE)
    text = body(errors.message)
    assert text.startswith("农业农村局：")
    assert "《农业农村局企业库2022Q3.xlsx》（2022年第三季度，种子企业库）未通过校验，已退回，共 1 个错误。" in text
    assert "批注版" in text
    (rid,) = q(home, "SELECT submission_id FROM submissions WHERE bureau = '农业农村局'")[0]
    assert attachments(errors.message) == [f"农业农村局企业库2022Q3_错误清单_{rid}.xlsx",
                                           f"农业农村局企业库2022Q3_批注版_{rid}.xlsx"]

    # exactly once: sending again sends nothing; an ingest with nothing new spools nothing
    assert send_spool(home)["sent"] == 0
    run_ingest(home)
    assert mail_spool.pending(home) == [] and len(smtp.got) == 2
    assert mail_spool.summary(home)["sent"] == 2


def same_summary(summary: dict, home) -> str:
    """The ingest's summary with its home's path taken out (everything else must be equal)."""
    import json
    return json.dumps({k: v for k, v in summary.items() if "seconds" not in k}, ensure_ascii=False, sort_keys=True,
                      default=str).replace(str(home.root), "<home>")


def stored(home) -> list[tuple]:
    return q(home, "SELECT bureau, period, form, status, row_count, file_name FROM submissions ORDER BY bureau") + \
        q(home, "SELECT rule, sheet, excel_row, excel_col FROM validation_errors ORDER BY rule, excel_row")


def outbox(home) -> list[str]:
    return sorted(str(p.relative_to(home.outbox)) for p in home.outbox.rglob("*.xlsx"))


def test_an_ingest_with_the_mail_server_down_stores_the_same_and_leaves_the_mail_spooled(tmp_path, run_ingest, smtp):
    from tasks.mail.send import send_spool
    from warehouse.home import Home
    plain = Home.resolve(tmp_path / "plain").ensure()
    mailing = with_mail(Home.resolve(tmp_path / "mailing").ensure(), free_port())   # nothing listens there
    for h in (plain, mailing):
        drop_files(h)
    s_plain, s_mail = run_ingest(plain), run_ingest(mailing)

    assert same_summary(s_plain, plain) == same_summary(s_mail, mailing)
    assert stored(plain) == stored(mailing) and outbox(plain) == outbox(mailing)
    assert not (plain.state / "mail").exists()          # no settings: no mail, nothing changes
    assert len(mail_spool.pending(mailing)) == 2

    down = send_spool(mailing)                          # the server cannot be reached: logged, kept, counted
    assert down["sent"] == 0 and down["waiting"] == 2 and "ConnectionRefusedError" in down["errors"][0]
    summary = mail_spool.summary(mailing)
    assert summary["waiting"] == 2 and [e["attempts"] for e in summary["errors"]] == [1, 1]
    from srdi.commands.status import overview, render       # what the operator sees: the spool and why it waits
    lines = render(overview(mailing))
    assert "邮件：待发送 2 封，已发送 0 封" in lines
    assert sum("已试 1 次" in line and "ConnectionRefusedError" in line for line in lines) == 2
    assert any("有 2 封邮件发送失败，仍在队列中等待重试" in line for line in lines)
    assert not any(line.startswith("邮件") for line in render(overview(plain)))   # mail off: not a word of it

    with_mail(mailing, smtp.port)                       # the server is back (here: the operator fixed the port)
    assert send_spool(mailing)["sent"] == 2 and len(smtp.got) == 2 and mail_spool.pending(mailing) == []


def test_a_refused_recipient_is_recorded_and_retried_then_given_up(home, run_ingest, smtp):
    """A server that refuses every recipient of a message: the message stays, its error is recorded each attempt,
    and after [mail] max_attempts it moves to failed/ (srdi status shows it)."""
    from tasks.mail.send import send_spool

    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 no such user"
    smtp.handle_RCPT = refuse
    with_mail(home, smtp.port)
    text = home.rollup_config.read_text(encoding="utf-8").replace("\n[mail.bureaus]", "\nmax_attempts = 2\n[mail.bureaus]")
    home.rollup_config.write_text(text, encoding="utf-8")
    write_xlsx(drop(home, "工信局", "工信局企业库2022Q3.xlsx"), enterprise_rows(2, seed=1))
    run_ingest(home)
    first = send_spool(home)
    assert first["sent"] == 0 and first["waiting"] == 1 and "550" in first["errors"][0]
    second = send_spool(home)
    assert second["failed"] == 1 and mail_spool.pending(home) == []
    assert len(mail_spool.summary(home)["failed"]) == 1 and smtp.got == []


def test_the_overdue_list_goes_to_ops_once_after_the_deadline(home, run_ingest, smtp):
    """2022Q3 is due 2022-10-10 (quarter end + 10 days). Only 工信局's 企业库 came; the day after the deadline ops get
    one mail listing every other obligation still owed, and only once."""
    from schemas.rollup_config import load
    from tasks.mail.overdue import spool_overdue
    from tasks.mail.send import send_spool
    with_mail(home, smtp.port)
    write_xlsx(drop(home, "工信局", "工信局企业库2022Q3.xlsx"), enterprise_rows(2, seed=1))
    run_ingest(home)
    send_spool(home)
    smtp.got.clear()

    # on the deadline day itself the last deadline passed is 2022Q2's (2022-07-10); 2022Q3's is due the day after
    assert spool_overdue(home, today=date(2022, 10, 10)).name == "overdue-2022Q2.eml"
    assert spool_overdue(home, today=date(2022, 10, 10)) is None     # once per deadline
    assert spool_overdue(home, today=date(2022, 10, 11)).name == "overdue-2022Q3.eml"
    assert spool_overdue(home, today=date(2022, 10, 12)) is None
    assert send_spool(home)["sent"] == 2
    (mail,) = [r for r in smtp.got if "2022年第三季度" in r.message["Subject"]]
    cfg = load()
    owed = [(b, f) for b, f in cfg.obligations_for("2022Q3") if (b, f) != ("工信局", "enterprise")]
    bureaus = list(dict.fromkeys(b for b, _ in owed))
    assert mail.rcpt == [OPS]
    assert mail.message["Subject"] == f"【催报】2022年第三季度报送截止（2022-10-10）后仍未报送：{len(bureaus)} 个单位"
    text = body(mail.message)
    assert f"以下 {len(bureaus)} 个单位仍未报送（共 {len(owed)} 项，应报送 {len(owed) + 1} 项）" in text
    listed = [line for line in text.splitlines() if line.split(". ")[0].isdigit()]
    assert len(listed) == len(owed)
    assert not any(line.split("　")[0].endswith("工信局") and "种子企业库" in line for line in listed)
    assert any("工信局" in line and "任务进展" in line for line in listed) == (("工信局", "task") in owed)


def test_a_spool_that_cannot_be_written_never_fails_the_ingest(home, run_ingest, smtp, caplog):
    """state/mail is a file, not a folder: no message can be spooled; every file is still loaded, answered in its
    outbox and filed away, and the log says which mail is missing."""
    import logging
    with_mail(home, smtp.port)
    (home.state / "mail").write_text("not a folder", encoding="utf-8")
    drop_files(home)
    srdi_log = logging.getLogger("srdi")        # Prefect's logging set-up may stop it propagating to caplog's root
    srdi_log.addHandler(caplog.handler)
    try:
        summary = run_ingest(home)
    finally:
        srdi_log.removeHandler(caplog.handler)
    assert (summary["files"], summary["loaded"], summary["rejected"]) == (3, 2, 1)
    assert len(outbox(home)) == 4                # 2 receipts, 1 error list, 1 annotated copy
    assert not [p for p in home.inbox.rglob("*") if p.is_file()]       # every file filed away
    said = {r.getMessage() for r in caplog.records if "was not spooled" in r.getMessage()}   # once per file
    assert len(said) == 2 and all("FileExistsError" in line for line in said), said
