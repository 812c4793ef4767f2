-- grain: one analyst session: the most memory its SQL may take (rollup_config.toml [query] memory_limit), e.g. 2GB
SET memory_limit = ?;
