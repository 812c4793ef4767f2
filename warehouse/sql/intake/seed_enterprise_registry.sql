-- grain: one row per enterprise; Annex 1 enters the registry once, later runs never overwrite what reports changed.
-- Expects the view `_base` (Annex 1, one row per enterprise).
INSERT INTO enterprise_registry (enterprise_name, service_team, source)
SELECT enterprise_name, service_team, '附件1' FROM _base
ON CONFLICT DO NOTHING;
