-- grain: one row per enterprise in the library, its state today: enterprise_state_as_of (create_macros.sql) over
-- every quarter, the one definition of an enterprise's state that the rollups, the templates and the dashboard use.
-- One row per identity (统一社会信用代码, or the name until a code is known) under its current name; former_names
-- its other names (曾用名, enterprise_names).
CREATE OR REPLACE VIEW enterprises AS
SELECT s.enterprise_name, s.credit_code, s.industry, s.tech_center_level, s.tech_center_year, s.patents,
       s.operating_status, s.srdi_level, s.srdi_level_year, s.planned_city_year, s.planned_province_year,
       s.responsible_leader, s.service_team, s.cultivating_level, s.report_period AS last_period,
       s.submission_id AS last_submission_id, s.registry_source AS source,
       coalesce(n.former_names, []::VARCHAR[]) AS former_names
FROM enterprise_state_as_of('9999Q4') s
LEFT JOIN enterprise_names n ON n.enterprise_name = s.enterprise_name;

-- grain: one row per difference between a load and the accepted version it replaced (the submission of the same
-- bureau, period and form it superseded; the latest one, should it have superseded several): a cell changed, a row
-- added, a row removed. Defined once, as the table macro submission_changes_of(ids) (the loads `ids`, or all of them
-- for NULL): the view is all of it, a resubmission's receipt (回执) reads its own ids (outbox/select_feedback_changes),
-- so the two never disagree and a receipt does not compute the whole history.
--   * rows are paired by their stable key, not their place: an enterprise by its 统一社会信用代码, then, among rows
--     left unpaired, by its name (name_key: a row that gains or corrects its code is the same enterprise); a task by
--     its number. A renamed enterprise with the same code is a changed 企业名称 cell, not a row removed and added;
--   * a cell is compared on what srdi read (the stored value), and shown as the clerk typed it (cell_texts; the
--     stored value when no text was kept): 1,500 retyped as 1500 is no change; formatting never is;
--   * only fields both versions' sheets had a column for are compared (sheet_fields_not_reported): a column one of
--     them lacks was not reported there, which the receipt says apart; the level's derived fields (srdi_level,
--     months, days) are not compared, the 认定级别 text they come from is;
--   * a submission that superseded nothing (a first load) or repeated another's bytes (duplicate) has no rows here;
--     one that superseded a version with the same content neither: the receipt then says 与上次报送内容相同.
CREATE OR REPLACE MACRO submission_changes_of(ids) AS TABLE
WITH pair_versions AS (
    SELECT n.submission_id AS new_submission_id,
           arg_max(o.submission_id, {'received_at': o.received_at, 'submission_id': o.submission_id}) AS old_submission_id,
           n.bureau, n.period, n.form
    FROM submissions n
    JOIN submissions o ON o.superseded_by = n.submission_id AND o.form = n.form
    WHERE n.form IN ('enterprise', 'task') AND (ids IS NULL OR list_contains(ids, n.submission_id))
    GROUP BY n.submission_id, n.bureau, n.period, n.form
),
list_rows AS (   -- the rows of both versions of each pair in one shape: where, keys, label, cells in form order
    SELECT r.submission_id, r.sheet, r.excel_row,
           nullif(trim(r.credit_code), '') AS code, coalesce(r.name_key, r.enterprise_name) AS name_key,
           r.enterprise_name AS row_label,
           [{'field': 'enterprise_name', 'value': r.enterprise_name},
            {'field': 'credit_code', 'value': r.credit_code},
            {'field': 'industry', 'value': r.industry},
            {'field': 'tech_center_level', 'value': r.tech_center_level},
            {'field': 'patents', 'value': CAST(r.patents AS VARCHAR)},
            {'field': 'operating_status', 'value': r.operating_status},
            {'field': 'srdi_level_text', 'value': r.srdi_level_text},
            {'field': 'planned_city_year', 'value': CAST(r.planned_city_year AS VARCHAR)},
            {'field': 'planned_province_year', 'value': CAST(r.planned_province_year AS VARCHAR)},
            {'field': 'responsible_leader', 'value': r.responsible_leader},
            {'field': 'service_team', 'value': r.service_team},
            {'field': 'rd_expense', 'value': CAST(r.rd_expense AS VARCHAR)},
            {'field': 'sales_revenue', 'value': CAST(r.sales_revenue AS VARCHAR)},
            {'field': 'tech_staff', 'value': CAST(r.tech_staff AS VARCHAR)},
            {'field': 'total_staff', 'value': CAST(r.total_staff AS VARCHAR)},
            {'field': 'listing_status', 'value': r.listing_status},
            {'field': 'remarks', 'value': r.remarks},
            {'field': 'srdi_level_year', 'value': CAST(r.srdi_level_year AS VARCHAR)},
            {'field': 'tech_center_year', 'value': CAST(r.tech_center_year AS VARCHAR)}] AS cells
    FROM enterprise_reports r
    WHERE r.submission_id IN (SELECT old_submission_id FROM pair_versions UNION ALL SELECT new_submission_id FROM pair_versions)
    UNION ALL
    SELECT r.submission_id, r.sheet, r.excel_row, r.task_id, NULL, r.task_id || coalesce(' ' || t.group_name, ''),
           [{'field': 'task_id', 'value': r.task_id},
            {'field': 'task_group', 'value': r.task_group},
            {'field': 'item_text', 'value': r.item_text},
            {'field': 'responsible_unit', 'value': r.responsible_unit},
            {'field': 'status', 'value': r.status},
            {'field': 'completion_pct', 'value': CAST(r.completion_pct AS VARCHAR)},
            {'field': 'progress', 'value': r.progress},
            {'field': 'problems', 'value': r.problems},
            {'field': 'next_steps', 'value': r.next_steps},
            {'field': 'bank_events', 'value': CAST(r.bank_events AS VARCHAR)},
            {'field': 'trained_persons', 'value': CAST(r.trained_persons AS VARCHAR)},
            {'field': 'enterprises_served', 'value': CAST(r.enterprises_served AS VARCHAR)},
            {'field': 'remarks', 'value': r.remarks}]
    FROM task_reports r
    LEFT JOIN ref_task_items t ON t.task_id = r.task_id
    WHERE r.submission_id IN (SELECT old_submission_id FROM pair_versions UNION ALL SELECT new_submission_id FROM pair_versions)
),
pair_by_code AS (
    SELECT p.new_submission_id, p.old_submission_id, o.sheet AS old_sheet, o.excel_row AS old_row,
           n.sheet AS new_sheet, n.excel_row AS new_row, coalesce(n.code, o.code, n.row_label) AS row_key,
           n.row_label, o.cells AS old_cells, n.cells AS new_cells
    FROM pair_versions p
    JOIN list_rows o ON o.submission_id = p.old_submission_id
    JOIN list_rows n ON n.submission_id = p.new_submission_id AND n.code = o.code
),
pair_rows AS (   -- by code, then the rows left unpaired by name (each is unique within a file: the intake checks it)
    SELECT * FROM pair_by_code
    UNION ALL
    SELECT p.new_submission_id, p.old_submission_id, o.sheet, o.excel_row, n.sheet, n.excel_row,
           coalesce(n.code, o.code, n.row_label), n.row_label, o.cells, n.cells
    FROM pair_versions p
    JOIN (FROM list_rows o ANTI JOIN pair_by_code m
          ON m.old_submission_id = o.submission_id AND m.old_sheet = o.sheet AND m.old_row = o.excel_row) o
      ON o.submission_id = p.old_submission_id
    JOIN (FROM list_rows n ANTI JOIN pair_by_code m
          ON m.new_submission_id = n.submission_id AND m.new_sheet = n.sheet AND m.new_row = n.excel_row) n
      ON n.submission_id = p.new_submission_id AND n.name_key = o.name_key
),
pair_cells AS (   -- the two rows' cells side by side (both lists are in form order)
    SELECT * EXCLUDE (old_cells, new_cells), unnest(old_cells) AS old_cell, unnest(new_cells) AS new_cell
    FROM pair_rows
),
list_changes AS (
    SELECT c.new_submission_id, 'changed' AS change_kind, c.row_key, c.row_label, c.new_sheet AS sheet,
           c.new_row AS excel_row, coalesce(hn.excel_col, ho.excel_col) AS excel_col, c.new_cell.field,
           coalesce(hn.header, ho.header) AS header,
           coalesce(tx_old.raw_text, c.old_cell.value) AS old_value, coalesce(tx_new.raw_text, c.new_cell.value) AS new_value
    FROM pair_cells c
    LEFT JOIN sheet_fields_not_reported nr_old ON nr_old.submission_id = c.old_submission_id AND nr_old.sheet = c.old_sheet
    LEFT JOIN sheet_fields_not_reported nr_new ON nr_new.submission_id = c.new_submission_id AND nr_new.sheet = c.new_sheet
    LEFT JOIN cell_texts tx_old ON tx_old.submission_id = c.old_submission_id AND tx_old.sheet = c.old_sheet
                            AND tx_old.excel_row = c.old_row AND tx_old.field = c.old_cell.field
    LEFT JOIN cell_texts tx_new ON tx_new.submission_id = c.new_submission_id AND tx_new.sheet = c.new_sheet
                            AND tx_new.excel_row = c.new_row AND tx_new.field = c.new_cell.field
    LEFT JOIN submission_columns ho ON ho.submission_id = c.old_submission_id AND ho.sheet = c.old_sheet
                                   AND ho.field = c.old_cell.field
    LEFT JOIN submission_columns hn ON hn.submission_id = c.new_submission_id AND hn.sheet = c.new_sheet
                                   AND hn.field = c.new_cell.field
    WHERE c.old_cell.value IS DISTINCT FROM c.new_cell.value
      AND NOT list_contains(coalesce(nr_old.not_reported, []::VARCHAR[]), c.old_cell.field)
      AND NOT list_contains(coalesce(nr_new.not_reported, []::VARCHAR[]), c.new_cell.field)
    UNION ALL
    SELECT p.new_submission_id, 'added', coalesce(n.code, n.row_label), n.row_label, n.sheet, n.excel_row,
           NULL, NULL, NULL, NULL, NULL
    FROM pair_versions p
    JOIN list_rows n ON n.submission_id = p.new_submission_id
    ANTI JOIN pair_rows m ON m.new_submission_id = n.submission_id AND m.new_sheet = n.sheet AND m.new_row = n.excel_row
    UNION ALL
    SELECT p.new_submission_id, 'removed', coalesce(o.code, o.row_label), o.row_label, o.sheet, o.excel_row,
           NULL, NULL, NULL, NULL, NULL
    FROM pair_versions p
    JOIN list_rows o ON o.submission_id = p.old_submission_id
    ANTI JOIN pair_rows m ON m.old_submission_id = o.submission_id AND m.old_sheet = o.sheet AND m.old_row = o.excel_row
)
SELECT p.bureau, p.period, p.form, p.old_submission_id, p.new_submission_id, c.change_kind, c.row_key, c.row_label,
       c.sheet, c.excel_row, c.excel_col, c.field, c.header, c.old_value, c.new_value
FROM list_changes c
JOIN pair_versions p USING (new_submission_id);

CREATE OR REPLACE VIEW submission_changes AS FROM submission_changes_of(NULL::INTEGER[]);
