-- grain: one row per submission a batch's feedback names: the batch's own ($ids), those they superseded, and
-- the originals that byte-identical re-drops repeat.
SELECT submission_id, bureau, period, form, file_name, received_at, processed_at, status,
       duplicate_of, superseded_by, row_count
FROM submissions
WHERE submission_id IN (SELECT unnest($ids))
   OR superseded_by IN (SELECT unnest($ids))
   OR submission_id IN (SELECT duplicate_of FROM submissions WHERE submission_id IN (SELECT unnest($ids)));
