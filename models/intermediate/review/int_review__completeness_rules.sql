-- The data-completeness rules of the review marts (spec section 4, last point), one row per rule, so that
-- per-provider counts can show a zero for a rule nothing breaks.
with

rules as (
    select * from (
        values
            (1, 'joint_without_joint_provider', 'Providership is Joint but no joint provider is named.'),
            (2, 'support_without_supporter', 'Commercial support received is Yes but no commercial supporter is listed.'),
            (3, 'moc_without_completions', 'Registered for MOC with a board but no learner completion reported to it.'),
            (4, 'completions_reported_late', 'Learner completions reported more than 30 days after completion.'),
            (5, 'completions_rejected', 'Learner completions rejected by the board.'),
            (6, 'abp_differing_credits', 'ABP completions carry differing credit amounts (ABP allows one per activity).'),
            (7, 'open_after_deadline', 'Not closed although the reporting deadline of its year has passed.'),
            (8, 'enduring_open_past_3_years', 'Enduring material still open more than 3 years after its start.'),
            (9, 'rss_open_past_12_months', 'Regularly scheduled series still open more than 12 months after its start.')
    ) as rule_list (rule_order, rule_code, rule_description)
)

select * from rules
