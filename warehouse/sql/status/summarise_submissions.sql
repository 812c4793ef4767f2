-- grain: one row: what the ingests recorded (submissions), for `srdi status` when no Prefect API is reachable
-- The last time a file was processed, and every file so far by outcome.
SELECT max(processed_at)                                  AS last_processed_at,
       arg_max(status, processed_at)                      AS last_status,
       count(*)                                           AS files,
       count(*) FILTER (WHERE status = 'loaded')          AS loaded,
       count(*) FILTER (WHERE status = 'superseded')      AS superseded,
       count(*) FILTER (WHERE status = 'rejected')        AS rejected,
       count(*) FILTER (WHERE status = 'duplicate')       AS duplicate
FROM submissions;
