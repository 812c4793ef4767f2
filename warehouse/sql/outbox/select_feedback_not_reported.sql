-- grain: one row per sheet of the batch's submissions ($ids) whose columns were recorded: the fields of its form
-- the sheet had no column for (not reported: the warehouse keeps what it knew), in the form's field order.
SELECT submission_id, sheet, form, not_reported
FROM sheet_fields_not_reported
WHERE submission_id IN (SELECT unnest($ids))
ORDER BY submission_id, sheet;
