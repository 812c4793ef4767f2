-- grain: DDL only; the staged relation rollup_state (stage_state.sql) dropped at the end of a rollup run
DROP TABLE IF EXISTS temp.rollup_state;
