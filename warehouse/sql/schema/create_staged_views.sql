-- Staged views over the raw layer: what was accepted, one row per enterprise or task per period.

-- grain: one row per (submission, sheet) of a loaded form: the fields of its form the sheet had no column for.
-- A column the workbook does not have means "not reported" (the state keeps the last known value), never "blank".
-- The four level columns come from the 认定级别 column (srdi_level_text); srdi_level_year also from 认定年份
-- (srdi_level_year), tech_center_year from 技术中心认定年份. A sheet with no recorded columns at all
-- (loaded before columns were recorded) reported every field.
CREATE OR REPLACE VIEW sheet_fields_not_reported AS
WITH sheet_columns AS (
    SELECT submission_id, sheet, list(field) AS fields FROM submission_columns GROUP BY ALL
),
form_fields AS (
    SELECT 'enterprise' AS form, ['enterprise_name', 'credit_code', 'industry', 'tech_center_level', 'patents',
           'operating_status', 'srdi_level_text', 'planned_city_year', 'planned_province_year', 'responsible_leader',
           'service_team', 'rd_expense', 'sales_revenue', 'tech_staff', 'total_staff', 'listing_status',
           'remarks', 'srdi_level_year', 'tech_center_year'] AS fields
    UNION ALL
    SELECT 'task', ['task_id', 'task_group', 'item_text', 'responsible_unit', 'status', 'completion_pct', 'progress',
           'problems', 'next_steps', 'bank_events', 'trained_persons', 'enterprises_served', 'remarks']
)
SELECT c.submission_id, c.sheet, s.form,
       list_filter(f.fields, lambda x: NOT list_contains(c.fields, x)) AS not_reported
FROM sheet_columns c
JOIN submissions s USING (submission_id)
JOIN form_fields f ON f.form = s.form;

-- grain: one row per enterprise row of an accepted (loaded, not superseded) submission
CREATE OR REPLACE VIEW enterprise_reports_accepted AS
SELECT r.*, s.received_at, coalesce(n.not_reported, []::VARCHAR[]) AS not_reported
FROM enterprise_reports r
JOIN submissions s USING (submission_id)
LEFT JOIN sheet_fields_not_reported n ON n.submission_id = r.submission_id AND n.sheet = r.sheet
WHERE s.status = 'loaded';

-- Enterprise identity (#19): an enterprise is its 统一社会信用代码 when one is known, its name until then. These views
-- are the one place that decides it; enterprise_history, the registry and Annex 1 the macros read go through them,
-- so every rollup counts identities under their current name without knowing about names and codes.
--   * names are stored as typed (吉林某某有限公司（新）) and matched by their key, name_key (NFKC, no whitespace,
--     computed by the intake: docs/rollups.md rule 7a): the same name typed with full-width or ASCII brackets, or
--     full-width digits, is one name;
--   * a name's code: the code of the latest accepted report of the name (its key) that gave one (by period, then as
--     received); an earlier, different code of the same name is a code correction (enterprise_codes);
--   * a name's identity: its code, else its key (Annex 1 lists no codes: its names are matched by name until a
--     report links the name to a code; the Annex 1 state then belongs to that code's enterprise);
--   * an identity's current name: the name of its latest accepted report, as that report typed it (by period, then
--     as received; an identity no report names keeps its only name); its other names (other keys, each as last
--     typed) are its former names (曾用名); the same name typed another way is not a former name.
-- A name belongs to exactly one identity, so current names are unique: enterprise_name stays the key downstream.

-- grain: one row per enterprise name srdi knows (registry, Annex 1, accepted reports), as typed: the identity it
-- belongs to
CREATE OR REPLACE VIEW enterprise_names AS
WITH list_names AS (
    SELECT enterprise_name, coalesce(name_key, enterprise_name) AS name_key FROM enterprise_registry
    UNION SELECT enterprise_name, coalesce(name_key, enterprise_name) FROM enterprise_baseline
    UNION SELECT enterprise_name, coalesce(name_key, enterprise_name) FROM enterprise_reports_accepted
),
order_reports AS (   -- every accepted enterprise row with its place in time: period, then as received
    SELECT enterprise_name, coalesce(name_key, enterprise_name) AS name_key, nullif(trim(credit_code), '') AS credit_code,
           period,
           {'period': period, 'received_at': received_at, 'submission_id': submission_id, 'excel_row': excel_row} AS seen
    FROM enterprise_reports_accepted
),
pick_name_codes AS (
    SELECT name_key, arg_max(credit_code, seen) AS credit_code, count(DISTINCT credit_code) AS codes_given
    FROM order_reports WHERE credit_code IS NOT NULL
    GROUP BY name_key
),
read_name_reports AS (
    SELECT enterprise_name, max(seen) AS last_seen, min(period) AS first_period, max(period) AS last_period
    FROM order_reports GROUP BY enterprise_name
),
key_names AS (
    SELECT n.enterprise_name, n.name_key, c.credit_code, coalesce(c.credit_code, n.name_key) AS identity_key,
           r.last_seen, r.first_period, r.last_period, coalesce(c.codes_given, 0) AS codes_given
    FROM list_names n
    LEFT JOIN pick_name_codes c USING (name_key)
    LEFT JOIN read_name_reports r USING (enterprise_name)
),
pick_current_names AS (
    SELECT identity_key,
           coalesce(arg_max({'name': enterprise_name, 'key': name_key}, last_seen),
                    arg_min({'name': enterprise_name, 'key': name_key}, enterprise_name)) AS current
    FROM key_names GROUP BY identity_key
),
pick_key_names AS (   -- each name key of an identity as it was last typed
    SELECT identity_key, name_key, coalesce(arg_max(enterprise_name, last_seen), min(enterprise_name)) AS shown_name,
           max(last_seen) AS last_seen
    FROM key_names GROUP BY identity_key, name_key
),
list_former_names AS (
    SELECT k.identity_key,
           coalesce(list(k.shown_name ORDER BY k.last_seen DESC NULLS LAST, k.shown_name)
                        FILTER (WHERE k.name_key <> p.current.key), []::VARCHAR[]) AS former_names
    FROM pick_key_names k JOIN pick_current_names p USING (identity_key)
    GROUP BY k.identity_key
)
SELECT k.enterprise_name, k.identity_key, k.credit_code, p.current.name AS current_name,
       k.name_key = p.current.key AS is_current,
       f.former_names, k.first_period, k.last_period, k.codes_given > 1 AS code_corrected, k.name_key
FROM key_names k
JOIN pick_current_names p USING (identity_key)
JOIN list_former_names f USING (identity_key);

-- grain: one row per (enterprise name, credit code) accepted reports gave together: which name had which code from
-- which submission. A name whose later reports give another code: this code was corrected (corrected_to).
CREATE OR REPLACE VIEW enterprise_codes AS
SELECT a.enterprise_name, nullif(trim(a.credit_code), '') AS credit_code,
       min(a.period) AS first_period, max(a.period) AS last_period,
       arg_min(a.submission_id, {'period': a.period, 'received_at': a.received_at, 'submission_id': a.submission_id}) AS first_submission_id,
       arg_min(a.bureau, {'period': a.period, 'received_at': a.received_at, 'submission_id': a.submission_id}) AS first_bureau,
       arg_max(a.submission_id, {'period': a.period, 'received_at': a.received_at, 'submission_id': a.submission_id}) AS last_submission_id,
       list(DISTINCT a.submission_id ORDER BY a.submission_id) AS submission_ids,
       nullif(trim(a.credit_code), '') = any_value(n.credit_code) AS is_current,
       CASE WHEN nullif(trim(a.credit_code), '') <> any_value(n.credit_code) THEN any_value(n.credit_code) END AS corrected_to,
       any_value(n.current_name) AS current_name
FROM enterprise_reports_accepted a
JOIN enterprise_names n USING (enterprise_name)
WHERE nullif(trim(a.credit_code), '') IS NOT NULL
GROUP BY a.enterprise_name, nullif(trim(a.credit_code), '');

-- grain: one row per enterprise identity in the registry, under its current name: what enterprise_state_as_of reads
-- as "the library". An identity entered with Annex 1 when any of its names did (entered_period NULL), else with the
-- first report of any of its names; its default service team is that first entry's.
CREATE OR REPLACE VIEW enterprise_registry_identities AS
SELECT n.current_name AS enterprise_name, n.identity_key,
       coalesce(any_value(n.credit_code), arg_max(g.credit_code, g.first_submission_id)) AS credit_code,
       arg_min(g.service_team, {'annex1': g.source <> '附件1', 'period': g.first_period, 'submission_id': g.first_submission_id})
           AS service_team,
       CASE WHEN bool_or(g.source = '附件1') THEN NULL ELSE min(g.first_period) END AS first_period,
       CASE WHEN bool_or(g.source = '附件1') THEN NULL
            ELSE arg_min(g.first_submission_id, {'period': g.first_period, 'submission_id': g.first_submission_id}) END
           AS first_submission_id,
       CASE WHEN bool_or(g.source = '附件1') THEN '附件1' ELSE '企业库报送' END AS source,
       list(g.enterprise_name ORDER BY g.enterprise_name) AS registry_names
FROM enterprise_registry g
JOIN enterprise_names n USING (enterprise_name)
GROUP BY n.current_name, n.identity_key;

-- grain: one row per Annex 1 enterprise identity, Annex 1 as printed under the identity's current name (baseline_name:
-- the name Annex 1 printed). Annex 1 has no codes: its name joins an identity once a report links it to a code.
CREATE OR REPLACE VIEW enterprise_baseline_identities AS
SELECT b.* EXCLUDE (name_key) REPLACE (n.current_name AS enterprise_name), b.enterprise_name AS baseline_name
FROM enterprise_baseline b
JOIN enterprise_names n ON n.enterprise_name = b.enterprise_name
QUALIFY row_number() OVER (PARTITION BY n.identity_key ORDER BY b.enterprise_name = n.current_name DESC, b.enterprise_name) = 1;

-- grain: one row per enterprise identity per period (the accepted report; when two bureaus report the same
-- enterprise, the one whose service team owns it wins, then the latest received). enterprise_name is the identity's
-- current name (enterprise_names), reported_name the name as that report wrote it, credit_code as it wrote it.
CREATE OR REPLACE VIEW enterprise_history AS
WITH ranked AS (
    SELECT a.* REPLACE (n.current_name AS enterprise_name,
                        coalesce(a.service_team, g.service_team, bt.service_team) AS service_team),
           a.enterprise_name AS reported_name, n.identity_key,
           row_number() OVER (
               PARTITION BY n.identity_key, a.period
               ORDER BY (t.bureau = a.bureau) DESC NULLS LAST, a.received_at DESC, a.submission_id DESC, a.excel_row
           ) AS rn
    FROM enterprise_reports_accepted a
    JOIN enterprise_names n ON n.enterprise_name = a.enterprise_name
    LEFT JOIN enterprise_registry_identities g ON g.enterprise_name = n.current_name
    LEFT JOIN ref_service_teams t ON t.service_team = coalesce(a.service_team, g.service_team)
    LEFT JOIN ref_service_teams bt ON bt.bureau = a.bureau
)
SELECT enterprise_name, period, credit_code, industry, tech_center_level, tech_center_year, patents, operating_status,
       srdi_level_text, srdi_level, srdi_level_year, cultivating_level, in_seed_pool,
       srdi_level_month, srdi_level_day, tech_center_month, tech_center_day,
       planned_city_year, planned_province_year, responsible_leader, service_team,
       rd_expense, sales_revenue, tech_staff, total_staff, listing_status,
       bureau, submission_id, sheet, excel_row, not_reported, reported_name, identity_key
FROM ranked WHERE rn = 1;

-- grain: one row per task per bureau per period (accepted submissions only)
CREATE OR REPLACE VIEW task_progress AS
SELECT r.period, r.task_id, r.bureau, r.status, r.completion_pct, r.progress, r.problems, r.next_steps,
       r.bank_events, r.trained_persons, r.enterprises_served, r.task_group, r.item_text,
       r.submission_id, r.sheet, r.excel_row, coalesce(n.not_reported, []::VARCHAR[]) AS not_reported
FROM task_reports r
JOIN submissions s USING (submission_id)
LEFT JOIN sheet_fields_not_reported n ON n.submission_id = r.submission_id AND n.sheet = r.sheet
WHERE s.status = 'loaded';
