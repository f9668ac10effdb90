{#-
    Each CSM's book of business on the latest as-of day, and one `unassigned` book per coverage
    model for the live accounts without a CSM. Only live accounts (var `live_lifecycle_stages`)
    are in a book: a churned account is no longer served. `load` sums 1 / the served CSM ratio over
    the book's accounts, so 1.0 is a full book (e.g. 15 enterprise accounts at 1:15). A CSM's row
    shows the coverage model that serves most of its accounts (`coverage_models` says how many it
    serves).
-#}

with

account_segments as (

    select * from {{ ref('account_segments') }}

),

account_actions as (

    select * from {{ ref('account_actions') }}

),

-- the live accounts of the latest day, each in its CSM's book or in its coverage model's
-- unassigned book
book_accounts as (

    select
        account_id,
        as_of_date,
        coalesce(csm_owner, 'unassigned') as csm_owner,
        coverage_model,
        arr,
        is_at_risk,
        csm_ratio,
        coalesce(
            renews_on <= {{ add_days('as_of_date', var('book_renewals_days')) }},
            false
        ) as is_renewing_soon,
        -- a CSM's books are one; the unassigned accounts of each coverage model are a book apiece
        case when csm_owner is null then coverage_model else 'any' end as book_coverage
    from account_segments
    where lifecycle_stage in ({{ "'" ~ var('live_lifecycle_stages') | join("', '") ~ "'" }})

),

-- the actions open on the latest day, per account
open_actions as (

    select
        account_id,
        count(*) as open_actions
    from account_actions
    where is_open
    group by account_id

),

-- the coverage model serving most of each book's accounts (a tie goes to the closer touch)
coverage_counts as (

    select
        csm_owner,
        book_coverage,
        coverage_model,
        row_number() over (
            partition by csm_owner, book_coverage
            order by count(*) desc, min(csm_ratio) asc
        ) as coverage_order
    from book_accounts
    group by
        csm_owner,
        book_coverage,
        coverage_model

),

books as (

    select
        book_accounts.csm_owner,
        book_accounts.book_coverage,
        max(book_accounts.as_of_date) as as_of_date,
        count(*) as accounts,
        sum(book_accounts.arr) as arr,
        sum(case when book_accounts.is_at_risk then 1 else 0 end) as at_risk_accounts,
        sum(case when book_accounts.is_at_risk then book_accounts.arr else 0 end) as at_risk_arr,
        sum(case when book_accounts.is_renewing_soon then 1 else 0 end) as renewals_90d,
        sum(case when book_accounts.is_renewing_soon then book_accounts.arr else 0 end) as renewals_90d_arr,
        coalesce(sum(open_actions.open_actions), 0) as open_actions,
        sum(1.0 / book_accounts.csm_ratio) as load,
        count(distinct book_accounts.coverage_model) as coverage_models
    from book_accounts
    left join open_actions
        on book_accounts.account_id = open_actions.account_id
    group by
        book_accounts.csm_owner,
        book_accounts.book_coverage

),

final as (

    select
        {{ dbt.cast("books.csm_owner", "varchar") }} as csm_owner,
        {{ dbt.cast("coverage_counts.coverage_model", "varchar") }} as coverage_model,
        cast(books.as_of_date as date) as as_of_date,
        {{ dbt.cast("books.accounts", "bigint") }} as accounts,
        {{ dbt.cast("books.arr", "decimal(18, 2)") }} as arr,
        {{ dbt.cast("books.at_risk_accounts", "bigint") }} as at_risk_accounts,
        {{ dbt.cast("books.at_risk_arr", "decimal(18, 2)") }} as at_risk_arr,
        {{ dbt.cast("books.renewals_90d", "bigint") }} as renewals_90d,
        {{ dbt.cast("books.renewals_90d_arr", "decimal(18, 2)") }} as renewals_90d_arr,
        {{ dbt.cast("books.open_actions", "bigint") }} as open_actions,
        {{ dbt.cast("books.load", "decimal(10, 4)") }} as load,
        {{ dbt.cast("books.coverage_models", "bigint") }} as coverage_models
    from books
    inner join coverage_counts
        on books.csm_owner = coverage_counts.csm_owner
        and books.book_coverage = coverage_counts.book_coverage
        and coverage_counts.coverage_order = 1

)

select * from final
