-- grain: DDL of one rollup table, derived from its model (warehouse/sql/models/<table>.toml): its columns (type,
-- NOT NULL) in order and its key as PRIMARY KEY, built by warehouse/rollups.py `rollup_ddl` from the model alone
CREATE TABLE IF NOT EXISTS {table} ({definitions});
