-- grain: one row (or none) for the component $component: the schema version and DDL digest applied to this database
SELECT version, ddl_sha256 FROM schema_versions WHERE component = $component;
