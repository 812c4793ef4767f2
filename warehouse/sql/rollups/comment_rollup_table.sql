-- grain: the Chinese comment of one rollup table, from its model (warehouse/sql/models/<table>.toml `comment`)
COMMENT ON TABLE {table} IS {comment};
