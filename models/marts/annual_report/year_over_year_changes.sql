-- Year-over-year changes of every measure of the annual-report marts, in long form: per report year, accreditor
-- group, source mart, breakdown (the source row within its year and group: 'Total', an organization type, a
-- competency code, a profession, or '<organization type> | <activity type>' for the matrix) and measure, the
-- value, the previous year's value, the absolute change and the percent change. The first year of the data (or a
-- year after a gap) has no previous year: NULL. A percent change from 0 is NULL. Values are doubles for
-- comparison; the exact figures stay in the source marts. Every column of a source mart that is not a key or a
-- label is a measure, so a measure added to a mart gets its changes here without an edit.
with

    enterprise_size as (select * from {{ ref('enterprise_size') }}),

    activity_matrix as (select * from {{ ref('activity_matrix') }}),

    income_by_organization_type as (select * from {{ ref('income_by_organization_type') }}),

    designed_and_evaluated_change as (select * from {{ ref('designed_and_evaluated_change') }}),

    competencies_addressed as (select * from {{ ref('competencies_addressed') }}),

    commercial_support_by_organization_type as (select * from {{ ref('commercial_support_by_organization_type') }}),

    other_learners_by_profession as (select * from {{ ref('other_learners_by_profession') }}),

    provider_quartiles_by_organization_type as (select * from {{ ref('provider_quartiles_by_organization_type') }}),

    enterprise_size_measures as (
        select report_year, accreditor_group, 'enterprise_size' as source_model, 'Total' as breakdown, measure, value
        from
            (
                select report_year, accreditor_group, columns(* exclude (report_year, accreditor_group))::double
                from enterprise_size
            )
            unpivot include nulls(value for measure in (columns(* exclude (report_year, accreditor_group))))
    ),

    activity_matrix_measures as (
        select
            report_year,
            accreditor_group,
            'activity_matrix' as source_model,
            organization_type || ' | ' || activity_type as breakdown,
            measure,
            value
        from
            (
                select
                    report_year,
                    accreditor_group,
                    organization_type,
                    activity_type,
                    columns(* exclude (report_year, accreditor_group, organization_type, activity_type))::double
                from activity_matrix
            ) unpivot include nulls(
                value for measure
                in (columns(* exclude (report_year, accreditor_group, organization_type, activity_type)))
            )
    ),

    income_by_organization_type_measures as (
        select
            report_year,
            accreditor_group,
            'income_by_organization_type' as source_model,
            organization_type as breakdown,
            measure,
            value
        from
            (
                select
                    report_year,
                    accreditor_group,
                    organization_type,
                    columns(* exclude (report_year, accreditor_group, organization_type))::double
                from income_by_organization_type
            ) unpivot include nulls(
                value for measure in (columns(* exclude (report_year, accreditor_group, organization_type)))
            )
    ),

    designed_and_evaluated_change_measures as (
        select
            report_year,
            accreditor_group,
            'designed_and_evaluated_change' as source_model,
            'Total' as breakdown,
            measure,
            value
        from
            (
                select report_year, accreditor_group, columns(* exclude (report_year, accreditor_group))::double
                from designed_and_evaluated_change
            )
            unpivot include nulls(value for measure in (columns(* exclude (report_year, accreditor_group))))
    ),

    competencies_addressed_measures as (
        select
            report_year,
            accreditor_group,
            'competencies_addressed' as source_model,
            competency_code as breakdown,
            measure,
            value
        from
            (
                select
                    report_year,
                    accreditor_group,
                    competency_code,
                    columns(
                        * exclude (
                            report_year, accreditor_group, competency_code, competency_name, competency_framework
                        )
                    )::double
                from competencies_addressed
            ) unpivot include nulls(
                value for measure in (columns(* exclude (report_year, accreditor_group, competency_code)))
            )
    ),

    commercial_support_by_organization_type_measures as (
        select
            report_year,
            accreditor_group,
            'commercial_support_by_organization_type' as source_model,
            organization_type as breakdown,
            measure,
            value
        from
            (
                select
                    report_year,
                    accreditor_group,
                    organization_type,
                    columns(* exclude (report_year, accreditor_group, organization_type))::double
                from commercial_support_by_organization_type
            ) unpivot include nulls(
                value for measure in (columns(* exclude (report_year, accreditor_group, organization_type)))
            )
    ),

    other_learners_by_profession_measures as (
        select
            report_year,
            accreditor_group,
            'other_learners_by_profession' as source_model,
            profession as breakdown,
            measure,
            value
        from
            (
                select
                    report_year,
                    accreditor_group,
                    profession,
                    columns(* exclude (report_year, accreditor_group, profession))::double
                from other_learners_by_profession
            )
            unpivot include nulls(value for measure in (columns(* exclude (report_year, accreditor_group, profession))))
    ),

    provider_quartiles_by_organization_type_measures as (
        select
            report_year,
            accreditor_group,
            'provider_quartiles_by_organization_type' as source_model,
            organization_type as breakdown,
            measure,
            value
        from
            (
                select
                    report_year,
                    accreditor_group,
                    organization_type,
                    columns(* exclude (report_year, accreditor_group, organization_type))::double
                from provider_quartiles_by_organization_type
            ) unpivot include nulls(
                value for measure in (columns(* exclude (report_year, accreditor_group, organization_type)))
            )
    ),

    measures as (
        select *
        from enterprise_size_measures
        union all
        select *
        from activity_matrix_measures
        union all
        select *
        from income_by_organization_type_measures
        union all
        select *
        from designed_and_evaluated_change_measures
        union all
        select *
        from competencies_addressed_measures
        union all
        select *
        from commercial_support_by_organization_type_measures
        union all
        select *
        from other_learners_by_profession_measures
        union all
        select *
        from provider_quartiles_by_organization_type_measures
    ),

    compared as (
        select
            measures.report_year::integer as report_year,
            measures.accreditor_group::varchar as accreditor_group,
            measures.source_model::varchar as source_model,
            measures.breakdown::varchar as breakdown,
            measures.measure::varchar as measure,
            measures.value::double as value,
            previous_year.value::double as previous_year_value,
            -- rounded: a difference of doubles such as 7600000.01 - 7600000.00 is otherwise 0.0099999998
            round(measures.value - previous_year.value, 9)::double as absolute_change,
            ((measures.value - previous_year.value) / nullif(abs(previous_year.value), 0) * 100)::double
            as percent_change
        from measures
        left join
            measures as previous_year
            on previous_year.report_year = measures.report_year - 1
            and previous_year.accreditor_group = measures.accreditor_group
            and previous_year.source_model = measures.source_model
            and previous_year.breakdown = measures.breakdown
            and previous_year.measure = measures.measure
    )

select *
from compared
