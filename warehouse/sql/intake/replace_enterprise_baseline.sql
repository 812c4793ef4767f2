-- grain: one row per Annex 1 enterprise, as Annex 1 lists it (replaced on every run).
-- Expects the view `_base` (Annex 1, one row per enterprise).
INSERT OR REPLACE INTO enterprise_baseline BY NAME SELECT * FROM _base;
