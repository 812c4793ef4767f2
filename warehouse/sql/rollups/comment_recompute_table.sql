-- grain: comments only; the Chinese comments of rollup_recompute (the rollup tables' own come from their models)
COMMENT ON TABLE rollup_recompute IS '待重新计算的报告期：汇总表结构升级时原有结果被清除的报告期，重新计算后移除 / one row per period to compute again';
COMMENT ON COLUMN rollup_recompute.period IS '报告期';
COMMENT ON COLUMN rollup_recompute.kind IS '汇总类型';
COMMENT ON COLUMN rollup_recompute.from_version IS '原表结构版本';
COMMENT ON COLUMN rollup_recompute.to_version IS '新表结构版本';
COMMENT ON COLUMN rollup_recompute.noted_at IS '清除时间';
