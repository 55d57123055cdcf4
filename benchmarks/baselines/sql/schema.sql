-- The export files the two annual tables need, as plain tables (pars-export-v1 column names). Money and hours
-- are DECIMAL(18, 2): exact in DuckDB, NUMERIC affinity in SQLite. Dates and Yes/No stay text (ISO dates
-- compare correctly as text). Plain enough for SQLite and DuckDB alike.
create table providers (
    provider_id text, provider_name text, organization_type text, accreditor_type text,
    recognized_accreditor text, state text, country text, initial_accreditation_date text
);
create table accreditation_decisions (
    decision_id text, provider_id text, decision_date text, decision_type text, status text,
    term_start_date text, term_end_date text, progress_report_due_date text
);
create table program_summaries (
    provider_id text, reporting_year integer, advertising_exhibit_income decimal(18, 2),
    registration_fees decimal(18, 2), government_grants decimal(18, 2), private_donations decimal(18, 2),
    other_income decimal(18, 2), total_expenses decimal(18, 2), submitted_date text
);
create table activities (
    activity_id text, provider_id text, provider_activity_id text, reporting_year integer, title text,
    activity_type text, start_date text, end_date text, city text, state text, country text, providership text,
    hours_of_instruction decimal(18, 2), physician_learners integer, other_learners integer,
    ama_pra_category1_credits decimal(18, 2), commercial_support_received text,
    designed_to_change_competence text, designed_to_change_performance text,
    designed_to_change_patient_outcomes text, evaluated_change_competence text,
    evaluated_change_performance text, evaluated_change_patient_outcomes text, competencies text,
    status text, closed_date text
);
create table activity_commercial_supporters (
    activity_id text, supporter_name text, monetary_amount decimal(18, 2), in_kind text, in_kind_nature text
);
