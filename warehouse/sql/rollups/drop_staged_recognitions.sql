-- grain: DDL only; the staged relation rollup_recognitions (stage_recognitions.sql) dropped at the end of a rollup run
DROP TABLE IF EXISTS temp.rollup_recognitions;
