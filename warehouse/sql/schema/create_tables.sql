-- Raw layer: what arrived and what it said. One transaction per submitted file writes here.

CREATE TABLE IF NOT EXISTS submissions (
    submission_id   INTEGER PRIMARY KEY,
    bureau          VARCHAR,
    period          VARCHAR,
    form            VARCHAR,
    file_name       VARCHAR NOT NULL,
    source_path     VARCHAR NOT NULL,
    sha256          VARCHAR NOT NULL,
    size_bytes      BIGINT,
    file_format     VARCHAR,
    received_at     TIMESTAMPTZ NOT NULL,
    processed_at    TIMESTAMPTZ NOT NULL,
    status          VARCHAR NOT NULL,
    error_count     INTEGER NOT NULL DEFAULT 0,
    warning_count   INTEGER NOT NULL DEFAULT 0,
    row_count       INTEGER NOT NULL DEFAULT 0,
    superseded_by   INTEGER,
    duplicate_of    INTEGER,
    stored_path     VARCHAR,
    moved           BOOLEAN NOT NULL DEFAULT FALSE,
    message         VARCHAR
);

-- What srdi has seen in the inbox and not yet filed away: when it first saw each entry (the arrival time, whatever
-- the sender's clock says), how it looked at the last scan, and the note it wrote when it cannot process it.
CREATE TABLE IF NOT EXISTS inbox_files (
    path_key      VARCHAR PRIMARY KEY,
    first_seen    TIMESTAMPTZ NOT NULL,
    last_seen     TIMESTAMPTZ NOT NULL,
    changed_at    TIMESTAMPTZ NOT NULL,
    size_bytes    BIGINT,
    mtime_ns      BIGINT,
    renamed_from  VARCHAR,
    note_reason   VARCHAR,
    note_path     VARCHAR
);

CREATE TABLE IF NOT EXISTS validation_errors (
    submission_id   INTEGER NOT NULL,
    severity        VARCHAR NOT NULL,
    sheet           VARCHAR,
    excel_row       INTEGER,
    excel_col       VARCHAR,
    field           VARCHAR,
    value           VARCHAR,
    rule            VARCHAR NOT NULL,
    message         VARCHAR NOT NULL,
    fix             VARCHAR
);

CREATE TABLE IF NOT EXISTS enterprise_reports (
    submission_id         INTEGER NOT NULL,
    period                VARCHAR NOT NULL,
    bureau                VARCHAR NOT NULL,
    sheet                 VARCHAR NOT NULL,
    excel_row             INTEGER NOT NULL,
    enterprise_name       VARCHAR NOT NULL,
    credit_code           VARCHAR,
    industry              VARCHAR,
    tech_center_level     VARCHAR,
    patents               BIGINT,
    operating_status      VARCHAR,
    srdi_level_text       VARCHAR,
    srdi_level            VARCHAR,
    srdi_level_year       INTEGER,
    cultivating_level     VARCHAR,
    in_seed_pool          BOOLEAN,
    planned_city_year     INTEGER,
    planned_province_year INTEGER,
    responsible_leader    VARCHAR,
    service_team          VARCHAR,
    rd_expense            DOUBLE,
    sales_revenue         DOUBLE,
    tech_staff            BIGINT,
    total_staff           BIGINT,
    listing_status        VARCHAR,
    remarks               VARCHAR
);
-- #14: the year the technology centre of tech_center_level was recognised (技术中心认定年份)
ALTER TABLE enterprise_reports ADD COLUMN IF NOT EXISTS tech_center_year INTEGER;
-- issue 19: the month and day written with a recognition year (2022年3月认定吉林市级, 认定年份 2022-03-15), NULL when
-- only a year was written; they narrow the recognition's date (recognitions_through)
ALTER TABLE enterprise_reports ADD COLUMN IF NOT EXISTS srdi_level_month INTEGER;
ALTER TABLE enterprise_reports ADD COLUMN IF NOT EXISTS srdi_level_day INTEGER;
ALTER TABLE enterprise_reports ADD COLUMN IF NOT EXISTS tech_center_month INTEGER;
ALTER TABLE enterprise_reports ADD COLUMN IF NOT EXISTS tech_center_day INTEGER;
-- issue 19 (finding 10): enterprise_name is stored as typed (吉林某某有限公司（新）, full-width brackets kept); name_key
-- is what names are matched by (schemas.reference.squash: NFKC, no whitespace; docs/rollups.md rule 7a), computed by
-- the intake (DuckDB has no NFKC). Rows stored before held the NFKC, space-free name already: it is their key.
ALTER TABLE enterprise_reports ADD COLUMN IF NOT EXISTS name_key VARCHAR;
UPDATE enterprise_reports SET name_key = enterprise_name WHERE name_key IS NULL;

CREATE TABLE IF NOT EXISTS task_reports (
    submission_id      INTEGER NOT NULL,
    period             VARCHAR NOT NULL,
    bureau             VARCHAR NOT NULL,
    sheet              VARCHAR NOT NULL,
    excel_row          INTEGER NOT NULL,
    task_id            VARCHAR NOT NULL,
    task_group         VARCHAR,
    item_text          VARCHAR,
    responsible_unit   VARCHAR,
    status             VARCHAR NOT NULL,
    completion_pct     DOUBLE,
    progress           VARCHAR,
    problems           VARCHAR,
    next_steps         VARCHAR,
    bank_events        BIGINT,
    trained_persons    BIGINT,
    enterprises_served BIGINT,
    remarks            VARCHAR
);

-- Where each field sat in each sheet of a submission: with excel_row on a fact row it names the cell.
CREATE TABLE IF NOT EXISTS submission_columns (
    submission_id INTEGER NOT NULL,
    sheet         VARCHAR NOT NULL,
    field         VARCHAR NOT NULL,
    excel_col     VARCHAR NOT NULL,
    header        VARCHAR
);

-- What the clerk typed in each non-empty fact cell of a loaded submission, beside the parsed value in its report
-- row (warehouse/cell_texts.py): 1,500 for 1500, 80% for 80, 完成 for 已完成.
CREATE TABLE IF NOT EXISTS cell_texts (
    submission_id INTEGER NOT NULL,
    sheet         VARCHAR NOT NULL,
    excel_row     INTEGER NOT NULL,
    field         VARCHAR NOT NULL,
    raw_text      VARCHAR NOT NULL,
    understood_as VARCHAR
);

-- The registry: every enterprise the programme knows. Annex 1 seeds it; the enterprise form adds to it.
CREATE TABLE IF NOT EXISTS enterprise_registry (
    enterprise_name      VARCHAR PRIMARY KEY,
    credit_code          VARCHAR,
    service_team         VARCHAR,
    first_period         VARCHAR,
    first_submission_id  INTEGER,
    source               VARCHAR NOT NULL
);
-- issue 19 (finding 10): the key enterprise_name is matched by (see enterprise_reports.name_key); a name typed once
-- with full-width and once with ASCII brackets is two rows here, one name key, one enterprise (enterprise_names)
ALTER TABLE enterprise_registry ADD COLUMN IF NOT EXISTS name_key VARCHAR;
UPDATE enterprise_registry SET name_key = enterprise_name WHERE name_key IS NULL;

-- Reference data from the policy, refreshed from the project's CSVs on every start.
CREATE TABLE IF NOT EXISTS ref_bureaus (
    bureau VARCHAR PRIMARY KEY, full_name VARCHAR, aliases VARCHAR, service_team VARCHAR, responsible_leader VARCHAR
);
CREATE TABLE IF NOT EXISTS ref_service_teams (service_team VARCHAR PRIMARY KEY, team_name VARCHAR, bureau VARCHAR);
CREATE TABLE IF NOT EXISTS ref_task_items (
    task_id VARCHAR PRIMARY KEY, group_id VARCHAR, group_name VARCHAR, item_text VARCHAR,
    responsible_units VARCHAR, metrics VARCHAR
);
CREATE TABLE IF NOT EXISTS ref_targets (
    target_id VARCHAR PRIMARY KEY, target VARCHAR, metric VARCHAR, target_value DOUBLE, unit VARCHAR,
    scope VARCHAR, deadline_year INTEGER, comparator VARCHAR
);

-- Annex 1 as printed, parsed: the state of the 12 seed enterprises when the plan was issued.
CREATE TABLE IF NOT EXISTS enterprise_baseline (
    enterprise_name VARCHAR PRIMARY KEY, industry VARCHAR, tech_center_level VARCHAR, patents BIGINT,
    operating_status VARCHAR, srdi_level_text VARCHAR, srdi_level VARCHAR, srdi_level_year INTEGER,
    cultivating_level VARCHAR, in_seed_pool BOOLEAN, planned_city_year INTEGER, planned_province_year INTEGER,
    responsible_leader VARCHAR, service_team VARCHAR
);
-- issue 19: a month or day written with the year in 认定级别 (empty for Annex 1 as printed)
ALTER TABLE enterprise_baseline ADD COLUMN IF NOT EXISTS srdi_level_month INTEGER;
ALTER TABLE enterprise_baseline ADD COLUMN IF NOT EXISTS srdi_level_day INTEGER;
-- issue 19 (finding 10): the key of the name as printed (see enterprise_reports.name_key)
ALTER TABLE enterprise_baseline ADD COLUMN IF NOT EXISTS name_key VARCHAR;
UPDATE enterprise_baseline SET name_key = enterprise_name WHERE name_key IS NULL;
