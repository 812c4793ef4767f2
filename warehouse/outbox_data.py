"""What the bureau's outbox reads from the writer database: the submissions, findings and loaded rows behind a
batch's receipts and error lists (warehouse/sql/outbox/), and which submissions a file not yet filed away has."""
from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from warehouse.sql import load as sql

SUBMISSION_COLUMNS = ["submission_id", "bureau", "period", "form", "file_name", "received_at", "processed_at",
                      "status", "duplicate_of", "superseded_by", "row_count"]


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


@dataclass
class FeedbackData:
    """What the outbox needs for a batch of submissions, fetched with a handful of queries for the whole
    batch (per file, a dozen small queries cost more than writing the receipt itself).

    subs:       submission_id -> its row (SUBMISSION_COLUMNS), for the batch, what it superseded, what it repeats
    findings:   submission_id -> its findings (severity, sheet, excel_row, excel_col, field, value, rule, message, fix)
    loaded:     submission_id -> (form, sheet, rows loaded), enterprise forms first, sheets in workbook order
    superseded: submission_id -> the submissions it superseded
    not_reported: submission_id -> sheet -> the fields of its form the sheet had no column for
    changes:    submission_id -> its changes against the accepted version it superseded (the view submission_changes)
    """
    subs: dict[int, dict]
    findings: dict[int, list[dict]]
    loaded: dict[int, list[tuple[str, str, int]]]
    superseded: dict[int, list[dict]]
    not_reported: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    changes: dict[int, list[dict]] = field(default_factory=dict)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, ids: list[int]) -> "FeedbackData":
        params = {"ids": list(ids)}
        subs = {r["submission_id"]: r for r in _dicts(con.execute(sql("outbox/select_feedback_submissions"), params))}
        findings: dict[int, list[dict]] = {}
        for r in _dicts(con.execute(sql("outbox/select_feedback_findings"), params)):
            findings.setdefault(r.pop("submission_id"), []).append(r)
        loaded: dict[int, list[tuple[str, str, int]]] = {}
        for form, sid, sheet, n in con.execute(sql("outbox/count_loaded_rows"), params).fetchall():
            loaded.setdefault(sid, []).append((form, sheet, n))
        superseded: dict[int, list[dict]] = {}
        for s in subs.values():
            if s["superseded_by"] is not None:
                superseded.setdefault(s["superseded_by"], []).append(s)
        not_reported: dict[int, dict[str, list[str]]] = {}
        for sid, sheet, _, fields in con.execute(sql("outbox/select_feedback_not_reported"), params).fetchall():
            not_reported.setdefault(sid, {})[sheet] = list(fields or [])
        changes: dict[int, list[dict]] = {}
        replacing = sorted(set(superseded) & set(ids))   # a first load has nothing to compare: no query
        if replacing:
            for r in _dicts(con.execute(sql("outbox/select_feedback_changes"), {"ids": replacing})):
                changes.setdefault(r.pop("new_submission_id"), []).append(r)
        return cls(subs, findings, loaded, superseded, not_reported, changes)

    def only(self, ids: list[int]) -> "FeedbackData":
        """What one file's feedback (its submissions `ids`) reads of this batch's data: small enough to hand to a
        child process with the file."""
        keep = set(ids)
        for i in ids:
            s = self.subs.get(i)
            if s is not None and s["duplicate_of"] is not None:
                keep.add(s["duplicate_of"])
        return FeedbackData(subs={i: self.subs[i] for i in keep if i in self.subs},
                            findings={i: self.findings[i] for i in ids if i in self.findings},
                            loaded={i: self.loaded[i] for i in ids if i in self.loaded},
                            superseded={i: self.superseded[i] for i in ids if i in self.superseded},
                            not_reported={i: self.not_reported[i] for i in ids if i in self.not_reported},
                            changes={i: self.changes[i] for i in ids if i in self.changes})
