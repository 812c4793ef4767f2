"""The mail flows (docs/architecture.md, "Mail"). Both do nothing when the home's rules file has no [mail].

* `send_mail`: the overdue list once after each deadline (tasks/mail/overdue.py), then the spool sent
  (tasks/mail/send.py, a task with retries). `srdi serve` runs it after every ingest of a home with [mail] (the
  `send-mail` deployment's trigger in prefect.yaml, on the ingest's event srdi.mail.due), so a receipt goes out as soon as its ingest ends and a message the server
  did not take is tried again after the next ingest (at least every 15 minutes); `srdi mail send` runs it by hand.
* `notify_failed_run`: a scheduled run that failed or crashed, mailed to ops. The `notify-failed-run` deployment's
  trigger (a Prefect automation on the flow-run Failed and Crashed events of srdi's scheduled deployments) runs it
  with the run's id.
"""
from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tasks.mail.overdue import spool_overdue
from tasks.mail.send import send_spooled_mail
from tasks.run_log import run_logger
from warehouse.home import Home

SCHEDULED = ("ingest", "quarterly-dispatch", "midyear-meeting", "annual-summary")   # prefect.yaml's scheduled ones


@flow(name="send-mail")
def send_mail(home: str | None = None) -> dict:
    """The overdue list if a deadline has passed since it was last mailed, then every message of the spool."""
    where = Home.resolve(home)
    spool_overdue(where)
    return send_spooled_mail(where)


@task(name="read-flow-run", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def read_flow_run(flow_run_id: str) -> dict:
    """What ops read about the run: its name, flow, deployment, state and message, start (from Prefect's API)."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    run_id = UUID(flow_run_id.removeprefix("prefect.flow-run."))
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        flow_name = client.read_flow(run.flow_id).name
        deployment = client.read_deployment(run.deployment_id).name if run.deployment_id else None
    state = run.state
    return {"id": str(run.id), "name": run.name, "flow": flow_name, "deployment": deployment,
            "state": state.type.value if state else None, "message": state.message if state else None,
            "start": run.start_time or run.expected_start_time}


@flow(name="notify-failed-run")
def notify_failed_run(flow_run_id: str, home: str | None = None) -> dict:
    """Mail ops that the flow run `flow_run_id` (its id, or the event's resource id prefect.flow-run.<id>) failed
    or crashed, then send the spool."""
    from tasks.mail.compose import failed_run_message, mail_config, spool
    where = Home.resolve(home)
    cfg = mail_config(where)
    if cfg is None:
        run_logger().info("mail is off ([mail] not set in %s): no mail about run %s", where.rollup_config, flow_run_id)
        return {"off": True}
    run = read_flow_run(flow_run_id)
    spool(where, failed_run_message(cfg, run, where.time_zone))
    return send_spooled_mail(where)


def send_now(where: Home) -> dict:
    """What a send-mail run does, in this process without Prefect (`srdi mail send`, tests): the overdue list if
    due, then the spool. Never raises for a server that cannot be reached: the result says so."""
    from tasks.mail.send import send_spool
    spool_overdue(where)
    return send_spool(where)
