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

-- grain: comments only; Chinese comments on every rollup table and column (一表一行说明其粒度).
COMMENT ON TABLE rollup_runs IS '汇总运行记录：每个汇总期一行（最近一次运行）/ one row per rollup period';
COMMENT ON COLUMN rollup_runs.period IS '汇总期：季度如 2022Q2，半年如 2022H1，年度如 2022';
COMMENT ON COLUMN rollup_runs.kind IS '汇总类型：quarterly 季调度 / midyear 半年例会 / annual 年度总结';
COMMENT ON COLUMN rollup_runs.first_quarter IS '汇总期第一个季度';
COMMENT ON COLUMN rollup_runs.last_quarter IS '汇总期最后一个季度';
COMMENT ON COLUMN rollup_runs.as_of IS '计算日期（北京时间）';
COMMENT ON COLUMN rollup_runs.computed_at IS '计算时间';
COMMENT ON COLUMN rollup_runs.flow_run_id IS 'Prefect 流程运行编号';
COMMENT ON COLUMN rollup_runs.pack_path IS '会议材料（xlsx）路径';
COMMENT ON COLUMN rollup_runs.config_source IS '所用汇总规则文件';
COMMENT ON COLUMN rollup_runs.repeat_recognition IS '重复认定奖励口径（top_up 补差 / full 全额 / highest_only 仅一次）';
COMMENT ON COLUMN rollup_runs.deadline_days IS '报送截止：季度结束后天数';

COMMENT ON TABLE compliance IS '催报清单：每期每季度每单位每表一行 / one row per bureau per form per quarter of the period';
COMMENT ON COLUMN compliance.period IS '汇总期';
COMMENT ON COLUMN compliance.report_period IS '应报季度';
COMMENT ON COLUMN compliance.bureau IS '应报单位';
COMMENT ON COLUMN compliance.form IS '表种：enterprise 种子企业库 / task 任务进展';
COMMENT ON COLUMN compliance.due_date IS '截止日期（季度结束后N天）';
COMMENT ON COLUMN compliance.status IS '报送情况：on_time 按时 / late 逾期 / missing 未报送 / rejected 被退回未重报 / not_due 未到截止（计算日不晚于截止日期，尚未报送）';
COMMENT ON COLUMN compliance.submission_id IS '报送编号（已入库的一次；被退回时为最近一次退回）';
COMMENT ON COLUMN compliance.received_at IS '报送时间（按规则取首次或当前已入库版本）';
COMMENT ON COLUMN compliance.days_late IS '逾期天数';
COMMENT ON COLUMN compliance.responsible_leader IS '单位责任领导（汇总规则 [leaders] 或 ref_bureaus）';
COMMENT ON COLUMN compliance.note IS '说明';

COMMENT ON TABLE ladder_enterprises IS '企业梯队名单：每期每个企业一行（期末状态）/ one row per enterprise as of the period end';
COMMENT ON COLUMN ladder_enterprises.period IS '汇总期';
COMMENT ON COLUMN ladder_enterprises.enterprise_name IS '企业名称';
COMMENT ON COLUMN ladder_enterprises.srdi_level IS '专精特新级别（种子/吉林市级/吉林省级/国家级）';
COMMENT ON COLUMN ladder_enterprises.level_rank IS '梯队序号（种子0、吉林市级1、吉林省级2、国家级3）';
COMMENT ON COLUMN ladder_enterprises.srdi_level_year IS '认定年份';
COMMENT ON COLUMN ladder_enterprises.operating_status IS '经营状态';
COMMENT ON COLUMN ladder_enterprises.service_team IS '服务专班';
COMMENT ON COLUMN ladder_enterprises.industry IS '行业类别';
COMMENT ON COLUMN ladder_enterprises.tech_center_level IS '技术中心级别';
COMMENT ON COLUMN ladder_enterprises.patents IS '专利数量（含软著）';
COMMENT ON COLUMN ladder_enterprises.planned_city_year IS '拟培育吉林市级年份';
COMMENT ON COLUMN ladder_enterprises.planned_province_year IS '拟培育吉林省级年份';
COMMENT ON COLUMN ladder_enterprises.cultivating_level IS '拟培育级别';
COMMENT ON COLUMN ladder_enterprises.responsible_leader IS '包保领导';
COMMENT ON COLUMN ladder_enterprises.listing_status IS '上市情况';
COMMENT ON COLUMN ladder_enterprises.report_period IS '所依据报送的季度';
COMMENT ON COLUMN ladder_enterprises.bureau IS '所依据报送的单位';
COMMENT ON COLUMN ladder_enterprises.submission_id IS '所依据的报送编号';
COMMENT ON COLUMN ladder_enterprises.source IS '状态来源：报送（最近一次已入库报送）/ 附件1（尚无报送）';

COMMENT ON TABLE ladder_counts IS '企业梯队统计：每期每个分组一行 / one row per breakdown value per period';
COMMENT ON COLUMN ladder_counts.period IS '汇总期';
COMMENT ON COLUMN ladder_counts.breakdown IS '分组方式：all 全部 / service_team 服务专班 / industry 行业';
COMMENT ON COLUMN ladder_counts.group_value IS '分组值';
COMMENT ON COLUMN ladder_counts.seed_count IS '种子企业数';
COMMENT ON COLUMN ladder_counts.city_count IS '吉林市级专精特新企业数';
COMMENT ON COLUMN ladder_counts.province_count IS '吉林省级专精特新企业数';
COMMENT ON COLUMN ladder_counts.national_count IS '国家级专精特新“小巨人”企业数';
COMMENT ON COLUMN ladder_counts.total_count IS '合计';
COMMENT ON COLUMN ladder_counts.stopped_count IS '其中停产或注销';

COMMENT ON TABLE ladder_changes IS '企业变动：每期每个企业每项变化一行（与上期末相比）/ one row per enterprise per change since the previous period';
COMMENT ON COLUMN ladder_changes.period IS '汇总期';
COMMENT ON COLUMN ladder_changes.enterprise_name IS '企业名称';
COMMENT ON COLUMN ladder_changes.change IS '变动类型：new_recognition 新认定 / status_change 经营状态变化 / new_entry 新入库 / tech_center 技术中心升级 / level_down 级别下降';
COMMENT ON COLUMN ladder_changes.from_value IS '上期末';
COMMENT ON COLUMN ladder_changes.to_value IS '本期末';
COMMENT ON COLUMN ladder_changes.flag IS '提示：停产、注销、请核实';
COMMENT ON COLUMN ladder_changes.service_team IS '服务专班';
COMMENT ON COLUMN ladder_changes.report_period IS '反映变动的报送季度';
COMMENT ON COLUMN ladder_changes.bureau IS '反映变动的报送单位';
COMMENT ON COLUMN ladder_changes.submission_id IS '反映变动的报送编号';

COMMENT ON TABLE ladder_lagging IS '滞后企业：每期每个企业每个未达成的拟培育级别一行 / one row per enterprise per planned level not reached';
COMMENT ON COLUMN ladder_lagging.period IS '汇总期';
COMMENT ON COLUMN ladder_lagging.enterprise_name IS '企业名称';
COMMENT ON COLUMN ladder_lagging.planned_level IS '拟培育级别';
COMMENT ON COLUMN ladder_lagging.planned_year IS '拟培育年份';
COMMENT ON COLUMN ladder_lagging.current_level IS '期末级别';
COMMENT ON COLUMN ladder_lagging.status IS 'lagging 滞后（拟培育年份已过）/ due_this_year 临期（拟培育年份为本年）';
COMMENT ON COLUMN ladder_lagging.years_overdue IS '已过年数';
COMMENT ON COLUMN ladder_lagging.operating_status IS '经营状态';
COMMENT ON COLUMN ladder_lagging.service_team IS '服务专班';
COMMENT ON COLUMN ladder_lagging.responsible_leader IS '包保领导';

COMMENT ON TABLE ladder_conflicts IS '数据冲突：同一季度两个单位对同一企业报送不同内容，每个企业每项每对单位一行 / one row per enterprise per field per pair of bureaus per quarter';
COMMENT ON COLUMN ladder_conflicts.period IS '汇总期';
COMMENT ON COLUMN ladder_conflicts.report_period IS '报送季度';
COMMENT ON COLUMN ladder_conflicts.enterprise_name IS '企业名称';
COMMENT ON COLUMN ladder_conflicts.field IS '字段';
COMMENT ON COLUMN ladder_conflicts.field_name IS '字段名称';
COMMENT ON COLUMN ladder_conflicts.bureau_a IS '单位甲';
COMMENT ON COLUMN ladder_conflicts.value_a IS '单位甲填报';
COMMENT ON COLUMN ladder_conflicts.submission_a IS '单位甲报送编号';
COMMENT ON COLUMN ladder_conflicts.bureau_b IS '单位乙';
COMMENT ON COLUMN ladder_conflicts.value_b IS '单位乙填报';
COMMENT ON COLUMN ladder_conflicts.submission_b IS '单位乙报送编号';
COMMENT ON COLUMN ladder_conflicts.adopted_bureau IS '采用哪个单位的报送（企业所属专班牵头单位优先，其次最近收到）';

COMMENT ON TABLE task_status IS '任务进展：每期每项工作任务每个责任单位一行 / one row per Annex 2 work item per responsible unit';
COMMENT ON COLUMN task_status.period IS '汇总期';
COMMENT ON COLUMN task_status.task_id IS '任务编号（附件2）';
COMMENT ON COLUMN task_status.group_id IS '任务组序号';
COMMENT ON COLUMN task_status.group_name IS '工作任务';
COMMENT ON COLUMN task_status.item_text IS '工作内容';
COMMENT ON COLUMN task_status.responsible_unit IS '责任单位';
COMMENT ON COLUMN task_status.due IS '本期应报且截止日期已过（方案施行后；截止日期未到时为否，看板显示未到截止）';
COMMENT ON COLUMN task_status.reported IS '本期是否已报';
COMMENT ON COLUMN task_status.report_period IS '所依据报送季度（期内最近一次）';
COMMENT ON COLUMN task_status.status IS '推进状态';
COMMENT ON COLUMN task_status.completion_pct IS '完成进度（%）';
COMMENT ON COLUMN task_status.previous_pct IS '上次报送的完成进度（%）';
COMMENT ON COLUMN task_status.progress IS '本期进展（单位原文）';
COMMENT ON COLUMN task_status.next_steps IS '下步计划（单位原文）';
COMMENT ON COLUMN task_status.bank_events IS '银企对接活动（次，期内合计）';
COMMENT ON COLUMN task_status.trained_persons IS '培训人才（人次，期内合计）';
COMMENT ON COLUMN task_status.enterprises_served IS '服务企业（户，期内单季最大值）';
COMMENT ON COLUMN task_status.lagging IS '是否滞后';
COMMENT ON COLUMN task_status.lagging_reason IS '滞后原因';
COMMENT ON COLUMN task_status.submission_id IS '报送编号';

COMMENT ON TABLE task_problems IS '需市政府协调解决的问题：每期每季度每单位每项任务一行 / one row per problem raised for the city government';
COMMENT ON COLUMN task_problems.period IS '汇总期';
COMMENT ON COLUMN task_problems.report_period IS '报送季度';
COMMENT ON COLUMN task_problems.task_id IS '任务编号';
COMMENT ON COLUMN task_problems.group_name IS '工作任务';
COMMENT ON COLUMN task_problems.bureau IS '提出单位';
COMMENT ON COLUMN task_problems.problem IS '问题（单位原文）';
COMMENT ON COLUMN task_problems.submission_id IS '报送编号';
COMMENT ON COLUMN task_problems.excel_row IS '来源 Excel 行号';

COMMENT ON TABLE bank_events IS '银企对接：每期本年截至期末每个应开展季度一行，只计任务T3-1的报送 / one row per quarter of the year to the period end, T3-1 rows only';
COMMENT ON COLUMN bank_events.period IS '汇总期';
COMMENT ON COLUMN bank_events.report_period IS '季度';
COMMENT ON COLUMN bank_events.in_period IS '是否属于本汇总期（季调度也列出本年此前的季度，目标按这些季度判断）';
COMMENT ON COLUMN bank_events.held IS '本季度是否开展（至少一个单位报告1次及以上）';
COMMENT ON COLUMN bank_events.events_reported IS '各单位报告次数合计（联合活动可能重复计算）';
COMMENT ON COLUMN bank_events.max_by_one_unit IS '单个单位报告的最多次数';
COMMENT ON COLUMN bank_events.units_owing IS '负有该任务的单位数';
COMMENT ON COLUMN bank_events.units_reported IS '已报送的单位数';
COMMENT ON COLUMN bank_events.detail IS '各单位情况';

COMMENT ON TABLE target_progress IS '目标完成情况：每期每项目标一行 / one row per target per period';
COMMENT ON COLUMN target_progress.period IS '汇总期';
COMMENT ON COLUMN target_progress.target_id IS '目标编号';
COMMENT ON COLUMN target_progress.target IS '目标';
COMMENT ON COLUMN target_progress.metric IS '指标';
COMMENT ON COLUMN target_progress.scope IS '口径：cumulative 累计 / year:YYYY 当年 / ratio 比例 / quarterly 每季度';
COMMENT ON COLUMN target_progress.unit IS '单位';
COMMENT ON COLUMN target_progress.target_value IS '目标值';
COMMENT ON COLUMN target_progress.actual_value IS '实际值：计入的企业数（十四五目标为考核期内达到该级别的企业，见 target_enterprises）；比例目标为达标企业数（逐户判断，判断依据）；培训为T4-1人次；银企对接为已开展季度数';
COMMENT ON COLUMN target_progress.actual_text IS '实际（报告中显示的文字）：比例目标为“达标户数/应达标户数户达标”，其他目标为实际值';
COMMENT ON COLUMN target_progress.pooled_pct IS '合计比例（参考，%）：比例目标的分子合计 ÷ 分母合计，只作参考，不是判断依据；其他目标为空';
COMMENT ON COLUMN target_progress.year_value IS '本年新增（汇总期所在年度）';
COMMENT ON COLUMN target_progress.expected_value IS '按时间进度应达值；比例目标为应达标的企业数（省级及以上企业全部）';
COMMENT ON COLUMN target_progress.gap IS '差距（距目标值；银企对接为缺少的季度数；比例目标为未达标及未报送数据的企业数）';
COMMENT ON COLUMN target_progress.status IS '判断：achieved 已完成 / on_track 进度正常 / at_risk 有风险 / not_achieved 未完成 / in_progress 进行中（单户目标在目标年份前）/ no_data 无数据';
COMMENT ON COLUMN target_progress.deadline_year IS '目标年份';
COMMENT ON COLUMN target_progress.window_start IS '考核起始年份';
COMMENT ON COLUMN target_progress.numerator IS '比例目标的分子合计';
COMMENT ON COLUMN target_progress.denominator IS '比例目标的分母合计';
COMMENT ON COLUMN target_progress.enterprises_counted IS '计入的企业数；比例目标为达标企业数';
COMMENT ON COLUMN target_progress.enterprises_apart IS '另列的企业数（考核期前已认定、认定年份待核实、已注销）；比例目标为未达标及未报送数据的企业数';
COMMENT ON COLUMN target_progress.note IS '说明';

COMMENT ON TABLE ratio_enterprises IS '比例指标明细：每期每项比例目标每个省级及以上企业一行 / one row per ratio target per enterprise';
COMMENT ON COLUMN ratio_enterprises.period IS '汇总期';
COMMENT ON COLUMN ratio_enterprises.target_id IS '目标编号（rd_ratio 研发投入占比 / tech_staff_ratio 科技人员占比）';
COMMENT ON COLUMN ratio_enterprises.enterprise_name IS '企业名称';
COMMENT ON COLUMN ratio_enterprises.srdi_level IS '专精特新级别';
COMMENT ON COLUMN ratio_enterprises.numerator IS '分子（研发投入万元 / 科技人员数）';
COMMENT ON COLUMN ratio_enterprises.denominator IS '分母（销售收入万元 / 职工总数）';
COMMENT ON COLUMN ratio_enterprises.ratio_pct IS '比例（%）';
COMMENT ON COLUMN ratio_enterprises.threshold_pct IS '目标（%）';
COMMENT ON COLUMN ratio_enterprises.meets IS '是否达标（未报送数据时为空）';
COMMENT ON COLUMN ratio_enterprises.status IS '逐户判断：meets 达标 / below 未达标 / not_reported 未报送数据';
COMMENT ON COLUMN ratio_enterprises.report_period IS '所依据报送季度';
COMMENT ON COLUMN ratio_enterprises.submission_id IS '报送编号';

COMMENT ON TABLE service_team_comparison IS '服务专班比较：每期每个专班一行（季调度、半年例会、年度总结）/ one row per service team per period';
COMMENT ON COLUMN service_team_comparison.period IS '汇总期';
COMMENT ON COLUMN service_team_comparison.service_team IS '服务专班';
COMMENT ON COLUMN service_team_comparison.bureau IS '牵头单位';
COMMENT ON COLUMN service_team_comparison.enterprises IS '企业数';
COMMENT ON COLUMN service_team_comparison.seed_count IS '种子企业';
COMMENT ON COLUMN service_team_comparison.city_count IS '吉林市级';
COMMENT ON COLUMN service_team_comparison.province_count IS '吉林省级';
COMMENT ON COLUMN service_team_comparison.national_count IS '国家级';
COMMENT ON COLUMN service_team_comparison.new_recognitions IS '期内新认定';
COMMENT ON COLUMN service_team_comparison.new_entries IS '期内新入库';
COMMENT ON COLUMN service_team_comparison.stopped_count IS '停产或注销';
COMMENT ON COLUMN service_team_comparison.lagging_enterprises IS '滞后企业';
COMMENT ON COLUMN service_team_comparison.conflicts IS '数据冲突';
COMMENT ON COLUMN service_team_comparison.reports_due IS '牵头单位应报表数';
COMMENT ON COLUMN service_team_comparison.reports_on_time IS '按时';
COMMENT ON COLUMN service_team_comparison.reports_late IS '逾期';
COMMENT ON COLUMN service_team_comparison.reports_missing IS '未报送';
COMMENT ON COLUMN service_team_comparison.reports_rejected IS '被退回未重报';
COMMENT ON COLUMN service_team_comparison.reports_not_due IS '未到截止（尚未报送）';
COMMENT ON COLUMN service_team_comparison.task_items IS '牵头单位负责的工作任务数';
COMMENT ON COLUMN service_team_comparison.tasks_reported IS '已报送进展的任务数';
COMMENT ON COLUMN service_team_comparison.tasks_completed IS '已完成的任务数';
COMMENT ON COLUMN service_team_comparison.tasks_lagging IS '滞后的任务数';

COMMENT ON TABLE rewards IS '奖励台账：每期每个企业每类奖励每个级别一行——本年截至期末首次认定（年度总结为应兑现，季调度、半年例会为预计；或不重复奖励、方案印发前认定不予奖励），缺少首次认定依据（待核实），或较上次季调度预计撤销 / one row per enterprise per reward category per level: due this year (final in the annual summary, provisional otherwise), not paid, awaiting evidence, or withdrawn since the previous dispatch';
COMMENT ON COLUMN rewards.period IS '汇总期';
COMMENT ON COLUMN rewards.year IS '台账年度（汇总期所在年度）';
COMMENT ON COLUMN rewards.enterprise_name IS '企业名称';
COMMENT ON COLUMN rewards.category IS '奖励类别：srdi 专精特新认定 / tech_center 企业技术中心';
COMMENT ON COLUMN rewards.level IS '认定级别';
COMMENT ON COLUMN rewards.status IS '状态：accrued 应兑现（年度总结）/ provisional 预计（季调度、半年例会，以年度总结为准）/ no_repeat 不重复奖励（同年更高级别或此前已奖）/ predates 方案印发前认定，不予奖励 / withdrawn 较上次季调度预计撤销（金额为0）/ pending 待核实（缺少首次认定依据，金额为0）';
COMMENT ON COLUMN rewards.recognised_year IS '认定年份（注明的年份，否则为首次报送该级别的年份）';
COMMENT ON COLUMN rewards.reason IS '奖励事由';
COMMENT ON COLUMN rewards.evidence IS '首次认定依据：注明的认定年份，或两次观察之间的级别上升（附件1、已入库报送）';
COMMENT ON COLUMN rewards.evidence_needed IS '待核实时需补充的依据';
COMMENT ON COLUMN rewards.amount_yuan IS '奖励金额（元；年度总结为应兑现，季调度、半年例会为预计）';
COMMENT ON COLUMN rewards.full_amount_yuan IS '该级别奖励标准（元）';
COMMENT ON COLUMN rewards.previously_paid_yuan IS '此前年度已奖励（元；待核实时为空）';
COMMENT ON COLUMN rewards.rule IS '依据的规则（rollup_config.toml）';
COMMENT ON COLUMN rewards.repeat_recognition IS '重复认定口径';
COMMENT ON COLUMN rewards.source IS '触发依据：首次反映该认定的报送（季度、单位、编号、行）或附件1';
COMMENT ON COLUMN rewards.trigger_period IS '触发报送季度';
COMMENT ON COLUMN rewards.submission_id IS '触发报送编号';
COMMENT ON COLUMN rewards.bureau IS '触发报送单位';
COMMENT ON COLUMN rewards.excel_row IS '触发报送 Excel 行号';
COMMENT ON COLUMN rewards.remarks IS '触发报送该行的备注（原文）';
COMMENT ON COLUMN rewards.level_text IS '认定级别原文';
COMMENT ON COLUMN rewards.previous_status IS '上次季调度台账（同一年度，本期最后一季的上一季度末）中的状态；上次无金额时为空';
COMMENT ON COLUMN rewards.previous_amount_yuan IS '上次季调度台账中的预计金额（元）；上次无金额时为空';
COMMENT ON COLUMN rewards.change_note IS '较上次预计的变化及原因（金额或状态改变、撤销时填写，否则为空）';

COMMENT ON TABLE cultivation_list IS '下一年度培育名单：每个企业每个拟培育级别一行 / one row per enterprise per level to cultivate next year';
COMMENT ON COLUMN cultivation_list.period IS '汇总期（年度）';
COMMENT ON COLUMN cultivation_list.next_year IS '培育年度';
COMMENT ON COLUMN cultivation_list.enterprise_name IS '企业名称';
COMMENT ON COLUMN cultivation_list.current_level IS '当前级别';
COMMENT ON COLUMN cultivation_list.target_level IS '培育目标级别';
COMMENT ON COLUMN cultivation_list.planned_year IS '原拟培育年份';
COMMENT ON COLUMN cultivation_list.reason IS '列入原因：planned 按计划 / carried_over 滞后结转 / cultivating 拟培育（未定年份）';
COMMENT ON COLUMN cultivation_list.service_team IS '服务专班';
COMMENT ON COLUMN cultivation_list.industry IS '行业类别';
COMMENT ON COLUMN cultivation_list.responsible_leader IS '包保领导';
COMMENT ON COLUMN cultivation_list.operating_status IS '经营状态';
COMMENT ON COLUMN cultivation_list.flag IS '提示';

COMMENT ON TABLE target_enterprises IS '目标明细：每期每项企业数目标每个相关企业一行（计入，或另列并说明原因）/ one row per enterprise-count target per enterprise considered';
COMMENT ON COLUMN target_enterprises.period IS '汇总期';
COMMENT ON COLUMN target_enterprises.target_id IS '目标编号（ref_targets）';
COMMENT ON COLUMN target_enterprises.target IS '目标（实施方案一、（三）原文）';
COMMENT ON COLUMN target_enterprises.enterprise_name IS '企业名称';
COMMENT ON COLUMN target_enterprises.status IS '计入情况：counted 计入 / before_window 考核期前已认定 / unverified 认定年份待核实 / excluded 已注销';
COMMENT ON COLUMN target_enterprises.current_level IS '期末专精特新级别';
COMMENT ON COLUMN target_enterprises.reached_level IS '达到的级别（首次达到目标级别或更高级别时的级别）';
COMMENT ON COLUMN target_enterprises.recognised_year IS '认定年份（种子企业为入库年份）';
COMMENT ON COLUMN target_enterprises.evidence IS '依据（注明的认定年份、级别上升、入库报送、上市情况）';
COMMENT ON COLUMN target_enterprises.operating_status IS '期末经营状态';
COMMENT ON COLUMN target_enterprises.service_team IS '服务专班';
COMMENT ON COLUMN target_enterprises.trigger_period IS '依据报送季度';
COMMENT ON COLUMN target_enterprises.submission_id IS '依据报送编号';

COMMENT ON TABLE reward_categories IS '奖励类别：每期实施方案规定的每类奖励或补助一行，注明是否由 srdi 计算 / one row per reward category of the plan';
COMMENT ON COLUMN reward_categories.period IS '汇总期';
COMMENT ON COLUMN reward_categories.category IS '类别编号';
COMMENT ON COLUMN reward_categories.name IS '类别名称';
COMMENT ON COLUMN reward_categories.clause IS '实施方案条款';
COMMENT ON COLUMN reward_categories.amount IS '标准';
COMMENT ON COLUMN reward_categories.policy_text IS '方案原文';
COMMENT ON COLUMN reward_categories.computed IS '是否由 srdi 计算（计入奖励台账）';
COMMENT ON COLUMN reward_categories.note IS '说明（重复认定口径，或未计算的原因）';
COMMENT ON COLUMN reward_categories.sort_order IS '排列顺序';

COMMENT ON TABLE former_names IS '曾用名：期末企业库中有曾用名的企业，每户一行（同一统一社会信用代码此前报送所用的其他名称；汇总材料在企业名称后注“原名 …”）/ one row per enterprise with former names';
COMMENT ON COLUMN former_names.period IS '汇总期';
COMMENT ON COLUMN former_names.enterprise_name IS '企业现名（最近一次已入库报送所用名称）';
COMMENT ON COLUMN former_names.identity_key IS '企业标识：统一社会信用代码（尚无代码的为企业名称比对键）';
COMMENT ON COLUMN former_names.former_names IS '曾用名，最近使用的在前，以“、”分隔';
COMMENT ON TABLE rollup_notices IS '汇总提示：每期每条提示一行（责任领导未配置、需重新计算的报告期、规则文件需调整）/ one row per notice of a rollup run';
COMMENT ON COLUMN rollup_notices.period IS '汇总期';
COMMENT ON COLUMN rollup_notices.notice_id IS '提示编号';
COMMENT ON COLUMN rollup_notices.topic IS '类别：leaders 责任领导 / recompute 重新计算 / config 规则文件';
COMMENT ON COLUMN rollup_notices.notice IS '提示内容';

