-- Per activity: what its child records say (supporters, joint providers, MOC boards, REMS, professions),
-- one row per activity that has any, so fct_activities joins them once.
-- A table incremental by activity (macros/incremental/activities.sql): a build recomputes the activities whose
-- records loads wrote since its last build, from their raw versions alone (evaluated from the five staging views, it
-- ranked every version of all five child tables, 2-3 s at a decade, whatever a filter on activity_id); a full build
-- reads the staging views.
{{ activity_incremental() }}
with

    supporters as (
        select
            activity_id,
            count(*) as commercial_supporters,
            coalesce(sum(monetary_amount), 0) as commercial_support_income,
            bool_or(has_in_kind_support) as has_in_kind_support
        from ({{ current_records('stg_pars__activity_commercial_supporters') }}) as records
        group by activity_id
    ),

    joint_providers as (
        select activity_id, count(*) as joint_providers
        from ({{ current_records('stg_pars__activity_joint_providers') }}) as records
        group by activity_id
    ),

    moc as (
        select activity_id, count(*) as moc_boards, list(board order by board) as moc_board_list
        from ({{ current_records('stg_pars__activity_moc_registrations') }}) as records
        group by activity_id
    ),

    rems as (
        select activity_id, rems_designation, rpc_grant_id is not null as is_rpc_funded
        from ({{ current_records('stg_pars__activity_rems') }}) as records
    ),

    professions as (
        select activity_id, sum(learner_count) as profession_learner_count
        from ({{ current_records('stg_pars__activity_learner_professions') }}) as records
        group by activity_id
    ),

    activity_ids as (
        select activity_id
        from supporters
        union
        select activity_id
        from joint_providers
        union
        select activity_id
        from moc
        union
        select activity_id
        from rems
        union
        select activity_id
        from professions
    ),

    summarized as (
        select
            activity_ids.activity_id,
            coalesce(supporters.commercial_supporters, 0) as commercial_supporters,
            coalesce(supporters.commercial_support_income, 0)::decimal(18, 2) as commercial_support_income,
            coalesce(supporters.has_in_kind_support, false) as has_in_kind_support,
            coalesce(joint_providers.joint_providers, 0) as joint_providers,
            coalesce(moc.moc_boards, 0) as moc_boards,
            coalesce(moc.moc_board_list, []::varchar[]) as moc_board_list,
            rems.rems_designation,
            coalesce(rems.is_rpc_funded, false) as is_rpc_funded,
            professions.profession_learner_count
        from activity_ids
        left join supporters using (activity_id)
        left join joint_providers using (activity_id)
        left join moc using (activity_id)
        left join rems using (activity_id)
        left join professions using (activity_id)
    )

select *
from summarized
