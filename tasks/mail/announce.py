"""After an ingest: the Prefect event `srdi.mail.due` that starts the `send-mail` deployment (prefect.yaml), emitted
only when the home has mail settings, so a home without [mail] gets no mail run at all."""
from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.mail_config import MailConfigError
from tasks.mail.compose import mail_config
from tasks.run_log import run_logger
from warehouse.home import Home

EVENT = "srdi.mail.due"


@task(name="announce-mail", cache_policy=NO_CACHE)
def announce_mail(home: Home) -> bool:
    """Emit `srdi.mail.due` when [mail] is set (or set wrongly: the send run says what is wrong). Never raises: the
    ingest it follows has done its work. True when the event was emitted."""
    try:
        try:
            if mail_config(home) is None:
                return False
        except MailConfigError:
            pass
        from prefect.events import emit_event
        emit_event(event=EVENT, resource={"prefect.resource.id": f"srdi.mail.{home.root}",
                                          "prefect.resource.name": f"邮件队列 {home.root}", "srdi.home": str(home.root)})
        return True
    except Exception as exc:   # an event that cannot be emitted: the next ingest announces the spool again
        run_logger().warning("mail: could not announce the spool (%s); the next ingest will", exc)
        return False
