-- grain: one row per enterprise per kind (srdi | tech_center) per level first reached by the end of the period ($last_quarter): recognitions_through (create_macros.sql) with the plan's issue date, staged once per rollup run as the temporary table rollup_recognitions
CREATE OR REPLACE TEMP TABLE rollup_recognitions AS
SELECT * FROM recognitions_through($last_quarter, issued := CAST($plan_issued AS DATE));
