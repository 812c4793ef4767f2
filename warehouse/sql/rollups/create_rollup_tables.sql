-- grain: DDL only; every rollup table is keyed by `period` (2022Q2, 2022H1 or 2022) and declares its own grain below
-- as its PRIMARY KEY, which is the `key` of its section in schemas/sections.py (tests/test_rule_sql.py checks both).
-- A rollup run replaces all rows of its period in one transaction (warehouse/rollups.py). Rollup tables are derived
-- data: this file is applied once per schema version (warehouse/rollups.py SCHEMA_VERSION, recorded in
-- schema_versions); a home whose tables are of an older version gets them dropped and created anew, and the
-- periods they held are listed in rollup_recompute until each is computed again.

-- grain: one row per rollup run period (the latest run of that period)
CREATE TABLE IF NOT EXISTS rollup_runs (
    period               VARCHAR NOT NULL,
    kind                 VARCHAR NOT NULL,
    first_quarter        VARCHAR NOT NULL,
    last_quarter         VARCHAR NOT NULL,
    as_of                DATE NOT NULL,
    computed_at          TIMESTAMPTZ NOT NULL,
    flow_run_id          VARCHAR,
    pack_path            VARCHAR,
    config_source        VARCHAR,
    repeat_recognition   VARCHAR,
    deadline_days        INTEGER,
    PRIMARY KEY (period)
);

-- grain: one row per bureau per form per quarter of the period
CREATE TABLE IF NOT EXISTS compliance (
    period               VARCHAR NOT NULL,
    report_period        VARCHAR NOT NULL,
    bureau               VARCHAR NOT NULL,
    form                 VARCHAR NOT NULL,
    due_date             DATE NOT NULL,
    status               VARCHAR NOT NULL,
    submission_id        INTEGER,
    received_at          TIMESTAMPTZ,
    days_late            INTEGER,
    responsible_leader   VARCHAR,
    note                 VARCHAR,
    PRIMARY KEY (period, report_period, bureau, form)
);

-- grain: one row per enterprise in the library as of the end of the period
CREATE TABLE IF NOT EXISTS ladder_enterprises (
    period                VARCHAR NOT NULL,
    enterprise_name       VARCHAR NOT NULL,
    srdi_level            VARCHAR NOT NULL,
    level_rank            INTEGER NOT NULL,
    srdi_level_year       INTEGER,
    operating_status      VARCHAR,
    service_team          VARCHAR,
    industry              VARCHAR,
    tech_center_level     VARCHAR,
    patents               BIGINT,
    planned_city_year     INTEGER,
    planned_province_year INTEGER,
    cultivating_level     VARCHAR,
    responsible_leader    VARCHAR,
    listing_status        VARCHAR,
    report_period         VARCHAR,
    bureau                VARCHAR,
    submission_id         INTEGER,
    source                VARCHAR NOT NULL,
    PRIMARY KEY (period, enterprise_name)
);

-- grain: one row per breakdown value per period (breakdown: all, service_team, industry)
CREATE TABLE IF NOT EXISTS ladder_counts (
    period          VARCHAR NOT NULL,
    breakdown       VARCHAR NOT NULL,
    group_value     VARCHAR NOT NULL,
    seed_count      INTEGER NOT NULL,
    city_count      INTEGER NOT NULL,
    province_count  INTEGER NOT NULL,
    national_count  INTEGER NOT NULL,
    total_count     INTEGER NOT NULL,
    stopped_count   INTEGER NOT NULL,
    PRIMARY KEY (period, breakdown, group_value)
);

-- grain: one row per enterprise per change since the end of the previous period
CREATE TABLE IF NOT EXISTS ladder_changes (
    period          VARCHAR NOT NULL,
    enterprise_name VARCHAR NOT NULL,
    change          VARCHAR NOT NULL,
    from_value      VARCHAR,
    to_value        VARCHAR,
    flag            VARCHAR,
    service_team    VARCHAR,
    report_period   VARCHAR,
    bureau          VARCHAR,
    submission_id   INTEGER,
    PRIMARY KEY (period, enterprise_name, change)
);

-- grain: one row per enterprise per planned level not yet reached whose planned year has ended (or is this year)
CREATE TABLE IF NOT EXISTS ladder_lagging (
    period            VARCHAR NOT NULL,
    enterprise_name   VARCHAR NOT NULL,
    planned_level     VARCHAR NOT NULL,
    planned_year      INTEGER NOT NULL,
    current_level     VARCHAR NOT NULL,
    status            VARCHAR NOT NULL,
    years_overdue     INTEGER NOT NULL,
    operating_status  VARCHAR,
    service_team      VARCHAR,
    responsible_leader VARCHAR,
    PRIMARY KEY (period, enterprise_name, planned_level)
);

-- grain: one row per enterprise per field per pair of bureaus per quarter where accepted reports disagree
CREATE TABLE IF NOT EXISTS ladder_conflicts (
    period          VARCHAR NOT NULL,
    report_period   VARCHAR NOT NULL,
    enterprise_name VARCHAR NOT NULL,
    field           VARCHAR NOT NULL,
    field_name      VARCHAR NOT NULL,
    bureau_a        VARCHAR NOT NULL,
    value_a         VARCHAR NOT NULL,
    submission_a    INTEGER NOT NULL,
    bureau_b        VARCHAR NOT NULL,
    value_b         VARCHAR NOT NULL,
    submission_b    INTEGER NOT NULL,
    adopted_bureau  VARCHAR,
    PRIMARY KEY (period, report_period, enterprise_name, field, bureau_a, bureau_b)
);

-- grain: one row per Annex 2 work item per responsible unit per period
CREATE TABLE IF NOT EXISTS task_status (
    period             VARCHAR NOT NULL,
    task_id            VARCHAR NOT NULL,
    group_id           VARCHAR,
    group_name         VARCHAR,
    item_text          VARCHAR,
    responsible_unit   VARCHAR NOT NULL,
    due                BOOLEAN NOT NULL,
    reported           BOOLEAN NOT NULL,
    report_period      VARCHAR,
    status             VARCHAR,
    completion_pct     DOUBLE,
    previous_pct       DOUBLE,
    progress           VARCHAR,
    next_steps         VARCHAR,
    bank_events        BIGINT,
    trained_persons    BIGINT,
    enterprises_served BIGINT,
    lagging            BOOLEAN NOT NULL,
    lagging_reason     VARCHAR,
    submission_id      INTEGER,
    PRIMARY KEY (period, task_id, responsible_unit)
);

-- grain: one row per problem a unit raised for the city government (市政府) per quarter
CREATE TABLE IF NOT EXISTS task_problems (
    period          VARCHAR NOT NULL,
    report_period   VARCHAR NOT NULL,
    task_id         VARCHAR NOT NULL,
    group_name      VARCHAR,
    bureau          VARCHAR NOT NULL,
    problem         VARCHAR NOT NULL,
    submission_id   INTEGER NOT NULL,
    excel_row       INTEGER,
    PRIMARY KEY (period, report_period, task_id, bureau)
);

-- grain: one row per quarter of the period's year up to the period end, from the plan's first quarter on
CREATE TABLE IF NOT EXISTS bank_events (
    period           VARCHAR NOT NULL,
    report_period    VARCHAR NOT NULL,
    in_period        BOOLEAN NOT NULL,
    held             BOOLEAN NOT NULL,
    events_reported  BIGINT NOT NULL,
    max_by_one_unit  BIGINT NOT NULL,
    units_owing      INTEGER NOT NULL,
    units_reported   INTEGER NOT NULL,
    detail           VARCHAR,
    PRIMARY KEY (period, report_period)
);

-- grain: one row per enterprise-count target per enterprise considered for it (counted or shown apart) per period
CREATE TABLE IF NOT EXISTS target_enterprises (
    period          VARCHAR NOT NULL,
    target_id       VARCHAR NOT NULL,
    target          VARCHAR,
    enterprise_name VARCHAR NOT NULL,
    status          VARCHAR NOT NULL,
    current_level   VARCHAR,
    reached_level   VARCHAR,
    recognised_year INTEGER,
    evidence        VARCHAR,
    operating_status VARCHAR,
    service_team    VARCHAR,
    trigger_period  VARCHAR,
    submission_id   INTEGER,
    PRIMARY KEY (period, target_id, enterprise_name)
);

-- grain: one row per target (ref_targets) per period
CREATE TABLE IF NOT EXISTS target_progress (
    period          VARCHAR NOT NULL,
    target_id       VARCHAR NOT NULL,
    target          VARCHAR NOT NULL,
    metric          VARCHAR,
    scope           VARCHAR,
    unit            VARCHAR,
    target_value    DOUBLE NOT NULL,
    actual_value    DOUBLE,
    year_value      DOUBLE,
    expected_value  DOUBLE,
    gap             DOUBLE,
    actual_text     VARCHAR,
    pooled_pct      DOUBLE,
    status          VARCHAR NOT NULL,
    deadline_year   INTEGER,
    window_start    INTEGER,
    numerator       DOUBLE,
    denominator     DOUBLE,
    enterprises_counted INTEGER,
    enterprises_apart   INTEGER,
    note            VARCHAR,
    PRIMARY KEY (period, target_id)
);

-- grain: one row per ratio target per enterprise at a ratio level per period
CREATE TABLE IF NOT EXISTS ratio_enterprises (
    period          VARCHAR NOT NULL,
    target_id       VARCHAR NOT NULL,
    enterprise_name VARCHAR NOT NULL,
    srdi_level      VARCHAR NOT NULL,
    numerator       DOUBLE,
    denominator     DOUBLE,
    ratio_pct       DOUBLE,
    threshold_pct   DOUBLE NOT NULL,
    meets           BOOLEAN,
    status          VARCHAR NOT NULL,
    report_period   VARCHAR,
    submission_id   INTEGER,
    PRIMARY KEY (period, target_id, enterprise_name)
);

-- grain: one row per service team per period (every kind of meeting)
CREATE TABLE IF NOT EXISTS service_team_comparison (
    period              VARCHAR NOT NULL,
    service_team        VARCHAR NOT NULL,
    bureau              VARCHAR NOT NULL,
    enterprises         INTEGER NOT NULL,
    seed_count          INTEGER NOT NULL,
    city_count          INTEGER NOT NULL,
    province_count      INTEGER NOT NULL,
    national_count      INTEGER NOT NULL,
    new_recognitions    INTEGER NOT NULL,
    new_entries         INTEGER NOT NULL,
    stopped_count       INTEGER NOT NULL,
    lagging_enterprises INTEGER NOT NULL,
    conflicts           INTEGER NOT NULL,
    reports_due         INTEGER NOT NULL,
    reports_on_time     INTEGER NOT NULL,
    reports_late        INTEGER NOT NULL,
    reports_missing     INTEGER NOT NULL,
    reports_rejected    INTEGER NOT NULL,
    reports_not_due     INTEGER NOT NULL,
    task_items          INTEGER NOT NULL,
    tasks_reported      INTEGER NOT NULL,
    tasks_completed     INTEGER NOT NULL,
    tasks_lagging       INTEGER NOT NULL,
    PRIMARY KEY (period, service_team)
);

-- grain: one row per enterprise per reward category per level: paid (or not paid again) in the period's year up to
-- its end, or still waiting for evidence (every kind of meeting)
CREATE TABLE IF NOT EXISTS rewards (
    period               VARCHAR NOT NULL,
    year                 INTEGER NOT NULL,
    enterprise_name      VARCHAR NOT NULL,
    category             VARCHAR NOT NULL,
    level                VARCHAR NOT NULL,
    status               VARCHAR NOT NULL,
    recognised_year      INTEGER,
    reason               VARCHAR NOT NULL,
    evidence             VARCHAR,
    evidence_needed      VARCHAR,
    amount_yuan          BIGINT NOT NULL,
    full_amount_yuan     BIGINT NOT NULL,
    previously_paid_yuan BIGINT,
    rule                 VARCHAR NOT NULL,
    repeat_recognition   VARCHAR NOT NULL,
    source               VARCHAR NOT NULL,
    trigger_period       VARCHAR,
    submission_id        INTEGER,
    bureau               VARCHAR,
    excel_row            INTEGER,
    level_text           VARCHAR,
    remarks              VARCHAR,
    previous_status      VARCHAR,
    previous_amount_yuan BIGINT,
    change_note          VARCHAR,
    PRIMARY KEY (period, enterprise_name, category, level)
);

-- grain: one row per reward category of the plan per period, computed by srdi or not
CREATE TABLE IF NOT EXISTS reward_categories (
    period       VARCHAR NOT NULL,
    category     VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    clause       VARCHAR NOT NULL,
    amount       VARCHAR,
    policy_text  VARCHAR,
    computed     BOOLEAN NOT NULL,
    note         VARCHAR,
    sort_order   INTEGER NOT NULL,
    PRIMARY KEY (period, category)
);

-- grain: one row per enterprise per level to cultivate in the following year (annual)
CREATE TABLE IF NOT EXISTS cultivation_list (
    period             VARCHAR NOT NULL,
    next_year          INTEGER NOT NULL,
    enterprise_name    VARCHAR NOT NULL,
    current_level      VARCHAR NOT NULL,
    target_level       VARCHAR NOT NULL,
    planned_year       INTEGER,
    reason             VARCHAR NOT NULL,
    service_team       VARCHAR,
    industry           VARCHAR,
    responsible_leader VARCHAR,
    operating_status   VARCHAR,
    flag               VARCHAR,
    PRIMARY KEY (period, enterprise_name, target_level)
);

-- grain: one row per enterprise of the library by the end of the period that has former names (曾用名): the packs
-- show "原名 …" beside its current name wherever they list it (#19)
CREATE TABLE IF NOT EXISTS former_names (
    period          VARCHAR NOT NULL,
    enterprise_name VARCHAR NOT NULL,
    identity_key    VARCHAR NOT NULL,
    former_names    VARCHAR NOT NULL,
    PRIMARY KEY (period, enterprise_name)
);

-- grain: one row per notice a rollup run gives the office (责任领导未配置, periods to recompute, rules to update)
CREATE TABLE IF NOT EXISTS rollup_notices (
    period     VARCHAR NOT NULL,
    notice_id  VARCHAR NOT NULL,
    topic      VARCHAR NOT NULL,
    notice     VARCHAR NOT NULL,
    PRIMARY KEY (period, notice_id)
);
