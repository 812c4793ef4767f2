-- grain: one row per enterprise; Annex 1 enters the registry once, later runs never overwrite what reports changed.
-- Expects the view `_base` (Annex 1, one row per enterprise).
INSERT INTO enterprise_registry (enterprise_name, name_key, service_team, source)
SELECT enterprise_name, name_key, service_team, '附件1' FROM _base
ON CONFLICT DO NOTHING;
