-- grain: DDL only. One naive TIMESTAMP column to TIMESTAMPTZ, each value read as wall-clock time in the session's
-- zone (warehouse.connection.convert_naive_timestamps sets it to the machine's zone the values were written in).
ALTER TABLE {table} ALTER COLUMN {column} TYPE TIMESTAMPTZ;
