-- grain: one row per enterprise in the library as of the end of the period ($last_quarter): enterprise_state_as_of (create_macros.sql), staged once per rollup run as the temporary table rollup_state for every section that reads it
CREATE OR REPLACE TEMP TABLE rollup_state AS
SELECT * FROM enterprise_state_as_of($last_quarter);
