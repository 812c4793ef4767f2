-- grain: DDL only; rollup_recompute: one row per period whose rollup rows were dropped when the rollup tables changed
-- layout; a period leaves it when a rollup computes it again (the layout's version: schema_versions, component 'rollups')
CREATE TABLE IF NOT EXISTS rollup_recompute (
    period        VARCHAR PRIMARY KEY,
    kind          VARCHAR NOT NULL,
    from_version  INTEGER,
    to_version    INTEGER NOT NULL,
    noted_at      TIMESTAMPTZ NOT NULL
);
