{#-
    MRR movements by calendar month: an account's MRR on the last day of each
    month (for the running month: on the latest day computed) against the month before. Rebuilt
    from int_revenue__mrr_daily on every run: it holds every computed day, so a backfill of an
    old day never truncates the months after it.
-#}

with

mrr_daily as (

    select * from {{ ref('int_revenue__mrr_daily') }}

),

latest_days as (

    select max(as_of_date) as latest_day
    from mrr_daily

),

-- each month measured on its last day, or the running month on the latest computed day
monthly as (

    select
        mrr_daily.account_id,
        cast({{ dbt.date_trunc('month', 'mrr_daily.as_of_date') }} as date) as month,
        mrr_daily.as_of_date as measured_on,
        mrr_daily.mrr
    from mrr_daily
    cross join latest_days
    -- the last day of a month is the day before a 1st
    where extract(day from {{ add_days('mrr_daily.as_of_date', 1) }}) = 1
        or mrr_daily.as_of_date = latest_days.latest_day

),

-- the month before, and whether the account ever had MRR before this month
with_history as (

    select
        account_id,
        month,
        measured_on,
        mrr,
        coalesce(lag(mrr) over (partition by account_id order by month), 0) as previous_mrr,
        coalesce(
            max(mrr) over (
                partition by account_id order by month
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) > 0 as had_mrr_before
    from monthly

),

classified as (

    select
        account_id,
        month,
        measured_on,
        mrr,
        previous_mrr,
        mrr - previous_mrr as mrr_change,
        case
            when mrr > 0 and not had_mrr_before then 'new'
            when mrr > 0 and previous_mrr = 0 then 'reactivation'
            when mrr = 0 and previous_mrr > 0 then 'churn'
            when mrr > previous_mrr then 'expansion'
            when mrr < previous_mrr then 'contraction'
            when mrr > 0 then 'retained'
        end as movement
    from with_history

),

-- a month without MRR and without change (after a churn, or during a trial) is not a movement
final as (

    select
        account_id,
        month,
        measured_on,
        cast(mrr as decimal(18, 2)) as mrr,
        cast(previous_mrr as decimal(18, 2)) as previous_mrr,
        cast(mrr_change as decimal(18, 2)) as mrr_change,
        movement,
        -- measured on the month's last day: the running month is not complete yet
        extract(day from {{ add_days('measured_on', 1) }}) = 1 as is_complete_month
    from classified
    where movement is not null

)

select * from final
