-- grain: one row (or none) for the component $component: the schema version its tables have in this database
SELECT version FROM schema_versions WHERE component = $component;
