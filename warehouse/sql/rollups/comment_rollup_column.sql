-- grain: the Chinese comment of one rollup table's column, from its model (warehouse/sql/models/<table>.toml columns)
COMMENT ON COLUMN {table}.{column} IS {comment};
