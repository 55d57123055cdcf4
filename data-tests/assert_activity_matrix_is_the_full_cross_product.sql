-- activity_matrix holds every report year x accreditor group x organization type x activity type of the code
-- lists, even where no activity was counted. Returns the years whose row count is not the full product.
with

    activity_matrix as (select * from {{ ref('activity_matrix') }}),

    enterprise_size as (select * from {{ ref('enterprise_size') }}),

    expected as (
        select
            (select count(*) from {{ ref('accreditor_groups') }})
            * (select count(*) from {{ ref('organization_types') }})
            * (select count(*) from {{ ref('activity_types') }}) as rows_per_year
    ),

    years as (select distinct report_year from enterprise_size),

    matrix_rows as (select report_year, count(*) as matrix_rows from activity_matrix group by report_year),

    failing as (
        select years.report_year, coalesce(matrix_rows.matrix_rows, 0) as matrix_rows, expected.rows_per_year
        from years
        cross join expected
        left join matrix_rows using (report_year)
        where coalesce(matrix_rows.matrix_rows, 0) <> expected.rows_per_year
    )

select *
from failing
