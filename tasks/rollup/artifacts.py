"""The rollup as the Prefect UI shows it: a markdown summary (the pack's 概要) and a table artifact for each
section the registry marks `artifact`, with the columns and Chinese labels of its first pack sheet."""
from __future__ import annotations

from datetime import date, datetime

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.labels import KIND
from schemas.periods import RollupPeriod
from schemas.rollup_config import RollupConfig
from schemas.sections import SECTIONS, Sheet
from schemas import clock
from tasks.rollup.pack import COMPLIANCE_HEADER, cell_text, compliance_table, summary_lines
from tasks.run_log import run_logger


def _plain(v, tz: str | None = None):
    if isinstance(v, datetime):
        return clock.shown(v, tz)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return round(v, 2)
    return v


def _md(text: str) -> str:
    return text.replace(chr(10), "<br>").replace("|", "｜")


def artifact_rows(frame: pl.DataFrame, sheet: Sheet, tz: str | None = None) -> list[dict]:
    return [{c.header: (cell_text(c, r[c.name], tz) if c.labels is not None else _plain(r[c.name], tz)) for c in sheet.cols}
            for r in frame.iter_rows(named=True)]


def artifacts_of(rp: RollupPeriod, cfg: RollupConfig, sections: dict[str, pl.DataFrame], pack: str) -> list:
    """The run's artifacts: the summary (markdown), then a table for each section the registry marks `artifact`."""
    from prefect.artifacts import MarkdownArtifact, TableArtifact
    base = f"{rp.kind}-{rp.period}".lower()
    md = [f"# {KIND[rp.kind]} {rp.label}", "", f"会议材料：`{pack}`", "", "| 项目 | 情况 |", "| --- | --- |"]
    md += [f"| {k} | {_md(v)} |" for k, v in summary_lines(rp, cfg, sections)]
    table = compliance_table(rp, sections["compliance"])
    if table:          # the 概要's 报送情况 table, after the summary (a markdown table holds no table)
        md += ["", "## 报送情况（各单位）", "", "| " + " | ".join(COMPLIANCE_HEADER) + " |",
               "| " + " | ".join("---" for _ in COMPLIANCE_HEADER) + " |"]
        md += ["| " + " | ".join(_md(v) for v in cells) + " |" for cells, _ in table]
    out: list[MarkdownArtifact | TableArtifact] = [MarkdownArtifact(key=f"{base}-summary", markdown="\n".join(md), description=f"srdi {rp.kind} {rp.period}")]
    for section in SECTIONS:
        if section.artifact and section.table in sections:
            sheet = section.sheets[0]
            out.append(TableArtifact(key=f"{base}-{section.table.replace('_', '-')}",
                                     table=artifact_rows(sections[section.table], sheet, cfg.time_zone),
                                     description=f"{KIND[rp.kind]} {rp.label}：{sheet.title}"))
    return out


@task(name="publish-artifacts", cache_policy=NO_CACHE)
def publish_artifacts(rp: RollupPeriod, cfg: RollupConfig, sections: dict[str, pl.DataFrame], pack: str) -> list[str]:
    """A markdown summary and the key tables, visible in the Prefect UI for this run."""
    try:   # one after the other on Prefect's own client: measured cheaper than a new async client for six
        created = [a.create(_sync=True) for a in artifacts_of(rp, cfg, sections, pack)]
    except Exception as exc:  # the UI is a convenience; the tables and the pack are the record
        run_logger().warning("could not create artifacts: %s", exc)
        return []
    return [str(a.id) for a in created]
