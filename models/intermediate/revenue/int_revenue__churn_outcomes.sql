{#-
    The churn outcome of every account at every month-end snapshot of the revenue history: did
    its MRR go to 0 on a day from the snapshot + 1 to the snapshot + `health_outcome_window_days`
    (90)? The one definition of churn that the backtests (health_band_outcomes,
    segment_quality_monthly) read, so they count the same churn over the same window.

    No look-ahead on the snapshot's side: the marts judge the accounts by what they knew on the
    snapshot day; the outcome is looked for only after it. A snapshot is complete when its whole
    outcome window lies within the revenue history; until then a churn already seen is known, the
    absence of one is not (`has_churned` null).
-#}

{%- set window_days = var('health_outcome_window_days') %}

with

mrr_daily as (

    select * from {{ ref('int_revenue__mrr_daily') }}

),

-- the last day the revenue history covers: outcome windows ending later are not complete yet
history_end as (

    select max(as_of_date) as last_observed_date
    from mrr_daily

),

-- each account-day with the MRR of the day before
mrr_previous_day as (

    select
        account_id,
        as_of_date,
        mrr,
        lag(mrr) over (partition by account_id order by as_of_date) as previous_mrr
    from mrr_daily

),

-- days on which an account's MRR went to 0 (it had MRR the day before); a churn followed by a
-- reactivation still counts
churn_days as (

    select
        account_id,
        as_of_date as churned_on
    from mrr_previous_day
    where mrr = 0
        and previous_mrr > 0

),

-- every account on every month-end day, with its outcome window and whether the data covers it
snapshot_accounts as (

    select
        mrr_daily.as_of_date as snapshot_date,
        mrr_daily.account_id,
        mrr_daily.is_paying,
        {{ add_days('mrr_daily.as_of_date', window_days) }} as outcome_window_end,
        {{ add_days('mrr_daily.as_of_date', window_days) }} <= history_end.last_observed_date as is_complete
    from mrr_daily
    cross join history_end
    where mrr_daily.as_of_date = {{ dbt.last_day('mrr_daily.as_of_date', 'month') }}

),

-- the first churn day in each account's outcome window
first_churns as (

    select
        snapshot_accounts.snapshot_date,
        snapshot_accounts.account_id,
        min(churn_days.churned_on) as churned_on
    from snapshot_accounts
    inner join churn_days
        on snapshot_accounts.account_id = churn_days.account_id
        and snapshot_accounts.snapshot_date < churn_days.churned_on
        and snapshot_accounts.outcome_window_end >= churn_days.churned_on
    group by
        snapshot_accounts.snapshot_date,
        snapshot_accounts.account_id

),

final as (

    select
        snapshot_accounts.snapshot_date,
        snapshot_accounts.account_id,
        snapshot_accounts.is_paying,
        snapshot_accounts.outcome_window_end,
        snapshot_accounts.is_complete,
        first_churns.churned_on,
        case
            when first_churns.churned_on is not null then true
            when snapshot_accounts.is_complete then false
        end as has_churned
    from snapshot_accounts
    left join first_churns
        on snapshot_accounts.snapshot_date = first_churns.snapshot_date
        and snapshot_accounts.account_id = first_churns.account_id

)

select * from final
