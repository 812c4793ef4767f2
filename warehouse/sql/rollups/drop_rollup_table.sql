-- grain: DDL only; drops one rollup table ({table} is one of schemas.sections.TABLES) before its layout is recreated
DROP TABLE IF EXISTS {table};
