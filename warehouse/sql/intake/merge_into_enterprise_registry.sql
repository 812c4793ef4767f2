-- grain: one row per enterprise; the enterprise form is where new enterprises enter the registry.
-- Expects the view `_rows` (this submission's enterprise rows); $1 = period, $2 = submission_id.
INSERT INTO enterprise_registry (enterprise_name, name_key, credit_code, service_team, first_period, first_submission_id, source)
SELECT r.enterprise_name, any_value(r.name_key), any_value(r.credit_code), any_value(coalesce(r.service_team, t.service_team)), $1, $2, '企业库报送'
FROM _rows r
LEFT JOIN ref_service_teams t ON t.bureau = r.bureau
GROUP BY r.enterprise_name
ON CONFLICT (enterprise_name) DO UPDATE SET credit_code = coalesce(enterprise_registry.credit_code, excluded.credit_code);
