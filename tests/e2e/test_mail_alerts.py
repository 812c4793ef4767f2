"""Mail through Prefect's own mechanisms, with a real `srdi serve` (server, deployments of prefect.yaml, worker) and a
real SMTP server the test starts (aiosmtpd):

* a scheduled deployment's run that fails makes the automation of prefect.yaml's `notify-failed-run` trigger run
  that deployment, which mails ops: subject, body and recipient checked;
* an ingest run's end makes the `send-mail` trigger send what the ingest spooled: the bureau's receipt arrives,
  attached, with no `srdi mail send` and no schedule.
"""
from __future__ import annotations

import signal

import pytest

from samples.workbooks import enterprise_rows, write_xlsx
from srdi.runtime import free_port
from tests.conftest import drop
from tests.e2e.test_schedules import _run, start_serve
from tests.helpers import HANG, wait_until
from tests.integration.test_mail import GONGXIN, OPS, attachments, body, smtp, with_mail  # noqa: F401

pytest.importorskip("aiosmtpd.controller")


@pytest.fixture
def served_with_mail(tmp_path, smtp, new_home):
    home = with_mail(new_home(tmp_path / "home"), smtp.port)
    port = free_port()
    proc = start_serve(home, port)
    yield home, f"http://127.0.0.1:{port}/api", smtp
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=HANG)


def test_a_failed_scheduled_run_is_mailed_to_ops_and_an_ingests_receipt_is_sent_when_it_ends(served_with_mail):
    home, url, inbox = served_with_mail

    # a run of the quarterly-dispatch deployment that fails (a period that is no period)
    failed = _run(home, url, "quarterly-dispatch/quarterly-dispatch", {"period": "第五季度"})
    assert failed.state.is_failed(), failed.state
    wait_until(lambda: any("【运行失败】" in r.message["Subject"] for r in inbox.got), HANG,
               "the failed run's mail reached the SMTP server")
    (alert,) = [r for r in inbox.got if "【运行失败】" in r.message["Subject"]]
    assert alert.rcpt == [OPS]
    assert alert.message["Subject"] == f"【运行失败】quarterly-dispatch（{failed.name}）"
    text = body(alert.message)
    assert f"srdi 的计划运行 quarterly-dispatch（流程 quarterly-dispatch，运行 {failed.name}）失败。" in text
    assert f"运行编号：{failed.id}" in text
    assert "不是报告期" in text                     # the run's state message: why it failed

    # an ingest run: when it ends, the send-mail trigger sends the receipt it spooled
    write_xlsx(drop(home, "工信局", "工信局企业库2022Q3.xlsx"), enterprise_rows(2, seed=1))
    ingest = _run(home, url, "ingest/ingest", {"settle_seconds": 0})
    assert ingest.state.is_completed(), ingest.state
    wait_until(lambda: any("【回执】" in r.message["Subject"] for r in inbox.got), HANG,
               "the receipt's mail reached the SMTP server")
    (receipt,) = [r for r in inbox.got if "【回执】" in r.message["Subject"]]
    assert receipt.rcpt == [GONGXIN]
    assert receipt.message["Subject"] == "【回执】工信局 2022年第三季度 种子企业库：已入库"
    (name,) = attachments(receipt.message)
    assert name.startswith("工信局企业库2022Q3_回执_") and (home.outbox / "工信局" / name).exists()
    # the same send-mail run mailed ops the overdue list of the last deadline passed (today's calendar: no bureau
    # has reported for that quarter); nothing was mailed twice
    wait_until(lambda: len(inbox.got) >= 3, HANG, "the overdue list's mail reached the SMTP server")
    assert sorted(r.message["Subject"].split("】")[0] + "】" for r in inbox.got) == ["【催报】", "【回执】", "【运行失败】"]
