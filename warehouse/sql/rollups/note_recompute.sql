-- grain: one row per period whose rollup rows were dropped by a layout change (from the registered frame `_recompute`)
INSERT OR REPLACE INTO rollup_recompute (period, kind, from_version, to_version, noted_at)
SELECT period, kind, from_version, to_version, now() FROM _recompute;
