-- grain: one row per enterprise; the enterprise form is where new enterprises enter the registry. The same result as
-- merge_into_enterprise_registry run for each submission of a batch in id order: a new enterprise takes the period,
-- submission and service team of the first submission naming it, and the first credit code any of them gives; a
-- known one only gains a credit code it lacked.
-- Expects the view `_rows` (the batch's enterprise rows, with submission_id, period, bureau).
INSERT INTO enterprise_registry (enterprise_name, name_key, credit_code, service_team, first_period, first_submission_id, source)
WITH per_submission AS (
    SELECT r.enterprise_name, r.submission_id, any_value(r.name_key) AS name_key, any_value(r.period) AS period, any_value(r.credit_code) AS credit_code,
           any_value(coalesce(r.service_team, t.service_team)) AS service_team
    FROM _rows r
    LEFT JOIN ref_service_teams t ON t.bureau = r.bureau
    GROUP BY r.enterprise_name, r.submission_id
), firsts AS (
    SELECT * FROM per_submission
    QUALIFY row_number() OVER (PARTITION BY enterprise_name ORDER BY submission_id) = 1
), codes AS (
    SELECT enterprise_name, arg_min(credit_code, submission_id) AS credit_code
    FROM per_submission WHERE credit_code IS NOT NULL GROUP BY enterprise_name
)
SELECT f.enterprise_name, f.name_key, c.credit_code, f.service_team, f.period, f.submission_id, '企业库报送'
FROM firsts f LEFT JOIN codes c ON c.enterprise_name = f.enterprise_name
ON CONFLICT (enterprise_name) DO UPDATE SET credit_code = coalesce(enterprise_registry.credit_code, excluded.credit_code);
