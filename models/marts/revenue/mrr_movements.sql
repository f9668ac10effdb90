{#-
    MRR movements by calendar month (SPEC section 4): an account's MRR on the last day of each
    month (for the running month: on the latest day computed) against the month before. Rebuilt
    from int_revenue__mrr_daily on every run: it holds every computed day, so a backfill of an
    old day never truncates the months after it.
-#}

with

mrr_daily as (

    select * from {{ ref('int_revenue__mrr_daily') }}

),

-- the day each month is measured on: its last day, or the latest computed day in the running month
measured_days as (

    select
        cast({{ dbt.date_trunc('month', 'as_of_date') }} as date) as month,
        max(as_of_date) as measured_on
    from mrr_daily
    group by 1

),

monthly as (

    select
        mrr_daily.account_id,
        measured_days.month,
        measured_days.measured_on,
        mrr_daily.mrr
    from mrr_daily
    inner join measured_days
        on mrr_daily.as_of_date = measured_days.measured_on

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
        movement
    from classified
    where movement is not null

)

select * from final
