-- grain: one row per component: the version now applied
INSERT OR REPLACE INTO schema_versions (component, version, applied_at, ddl_sha256)
VALUES ($component, $version, now(), $ddl_sha256);
