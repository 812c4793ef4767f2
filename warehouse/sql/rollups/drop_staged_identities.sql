-- grain: DDL only; the identity views' snapshot (stage_identities.sql) dropped at the end of a rollup run
DROP TABLE IF EXISTS temp.enterprise_history;
DROP TABLE IF EXISTS temp.enterprise_baseline_identities;
DROP TABLE IF EXISTS temp.enterprise_registry_identities;
DROP TABLE IF EXISTS temp.enterprise_names;
