-- grain: one row per bureau per form owed for one quarter (a temporary table on the read-only analyst copy)
-- `srdi status` builds from the rules (rollup_config.toml) the frame compute_compliance.sql reads, so this quarter's
-- compliance so far is judged by the rollups' own definition. Lists of equal length, one element per obligation.
CREATE OR REPLACE TEMP TABLE rollup_obligations AS
SELECT unnest($report_periods)::VARCHAR     AS report_period,
       unnest($bureaus)::VARCHAR            AS bureau,
       unnest($forms)::VARCHAR              AS form,
       unnest($due_dates)::DATE             AS due_date,
       unnest($leaders)::VARCHAR            AS responsible_leader;
