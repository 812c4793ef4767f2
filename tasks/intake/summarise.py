"""What an ingest run did, for the CLI and the Prefect UI."""
from __future__ import annotations

from collections import Counter

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from warehouse.home import Home
from tasks.intake.submission import Submission

OUTCOME_CN: dict[str | None, str] = {"loaded": "已入库", "rejected": "退回", "duplicate": "重复"}


@task(name="summarise-ingest", cache_policy=NO_CACHE)
def summarise_ingest(home: Home, done: list[Submission], deferred: list[Submission] | None = None,
                     held: list[Submission] | None = None) -> dict:
    """`done`: files loaded, rejected or found duplicate; `deferred`: kept for the next run by a full disk;
    `held`: files left in the inbox on their own account (changed since read, cannot be moved), with the reason."""
    counts = Counter(s.outcome for s in done)
    return {
        "files": len(done), "loaded": counts["loaded"], "rejected": counts["rejected"],
        "duplicate": counts["duplicate"], "warehouse": str(home.warehouse),
        "archive": str(home.archive), "rejected_dir": str(home.rejected), "outbox": str(home.outbox),
        "storage_error": next((s.deferred for s in deferred or [] if s.deferred), None),
        "deferred": [s.rel for s in deferred or []],
        "held": [{"file": s.rel, "reason": s.held} for s in held or []],
        "results": [{"file": s.rel, "bureau": s.bureau, "period": s.period, "outcome": s.outcome,
                     "submission_ids": s.submission_ids} for s in done],
    }


@task(name="publish-ingest-summary", cache_policy=NO_CACHE)
def publish_ingest_summary(done: list[Submission], held: list[Submission] | None = None) -> None:
    """The run's files as a markdown artifact, visible in the Prefect UI for this run (a flow run's step only:
    outside a run there is nowhere to show it)."""
    held = held or []
    lines = ["| 文件 | 单位 | 报送期 | 结果 | 错误 | 警告 |", "| --- | --- | --- | --- | --- | --- |"]
    for s in done:
        e = sum(f.severity == "error" for f in s.findings)
        name = s.rel.replace("|", "\\|")
        lines.append(f"| {name} | {s.bureau} | {s.period or '—'} | {OUTCOME_CN.get(s.outcome, s.outcome)} | {e} | {len(s.findings) - e} |")
    if held:
        lines += ["", "## 留在收件箱的文件", "", "| 文件 | 原因 |", "| --- | --- |"]
        lines += [f"| {s.rel.replace('|', chr(92) + '|')} | {s.held} |" for s in held]
    try:
        create_markdown_artifact(key="ingest-summary", markdown="# 本次入库\n\n" + "\n".join(lines),
                                 description="srdi ingest")
    except Exception:
        pass
