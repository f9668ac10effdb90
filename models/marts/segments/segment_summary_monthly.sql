{#-
    Segment analytics per calendar month, segment type and value, from mrr_movements and the
    daily segments. An account counts in the value it held at the start of
    the month (on the day before its first day, when the month before was measured), or, when it
    is new or reactivated in the month (or its start day was not computed), in the value it holds
    on the month's measuring day. ARR flows are 12 x the month's MRR movements; reactivations
    count as new ARR. Rebuilt on every run.

    mrr_movements covers the whole revenue history, the segments only the as-of days computed (a
    first build over an explicit range starts later): an account-month whose counting day has no
    segments is left out, so months before the first computed day have no rows rather than every
    account in an `unknown` segment with no CSM ratio.
-#}

with

mrr_movements as (

    select * from {{ ref('mrr_movements') }}

),

memberships_daily as (

    select * from {{ ref('int_segments__memberships_daily') }}

),

assignments as (

    select * from {{ ref('int_segments__assignments_daily') }}

),

movements as (

    select
        *,
        {{ add_days('month', -1) }} as start_day,
        movement in ('new', 'reactivation') as is_counted_at_end
    from mrr_movements

),

-- every segment type: an account-month has a row for each (value `unknown` when it has none)
segment_types as (

    select distinct segment_type
    from memberships_daily

),

-- the day each account counts on in each month: the start, or the month's measuring day
counted_days as (

    select
        movements.*,
        case
            when not movements.is_counted_at_end and start_segments.account_id is not null
                then movements.start_day
            else movements.measured_on
        end as counted_on
    from movements
    left join assignments as start_segments
        on movements.account_id = start_segments.account_id
        and movements.start_day = start_segments.as_of_date

),

-- one row per account, month and segment type, with the value it counts in and the share of a
-- CSM it takes: 1 / the CSM ratio it is served with (at-risk boost included), for every type
-- alike; an account served no coverage (churned, lapsed trial) takes none
account_months as (

    select
        counted_days.month,
        counted_days.account_id,
        counted_days.previous_mrr,
        counted_days.mrr,
        counted_days.mrr_change,
        counted_days.movement,
        counted_days.measured_on,
        coalesce(memberships_daily.segment_type, segment_types.segment_type) as segment_type,
        coalesce(memberships_daily.segment_value, 'unknown') as segment_value,
        assignments.csm_owner,
        coalesce({{ safe_divide('1', 'assignments.csm_ratio') }}, 0) as csm_share
    from counted_days
    cross join segment_types
    left join memberships_daily
        on counted_days.account_id = memberships_daily.account_id
        and counted_days.counted_on = memberships_daily.as_of_date
        and segment_types.segment_type = memberships_daily.segment_type
    inner join assignments
        on counted_days.account_id = assignments.account_id
        and counted_days.counted_on = assignments.as_of_date

),

summarised as (

    select
        month,
        segment_type,
        segment_value,
        count(*) as accounts,
        sum(case when previous_mrr > 0 then 1 else 0 end) as starting_accounts,
        sum(case when movement = 'churn' then 1 else 0 end) as churned_accounts,
        12 * sum(previous_mrr) as starting_arr,
        12 * sum(mrr) as ending_arr,
        12 * sum(case when movement in ('new', 'reactivation') then mrr_change else 0 end) as new_arr,
        12 * sum(case when movement = 'expansion' then mrr_change else 0 end) as expansion_arr,
        12 * sum(case when movement = 'contraction' then -mrr_change else 0 end) as contraction_arr,
        12 * sum(case when movement = 'churn' then previous_mrr else 0 end) as churned_arr,
        sum(csm_share) as csm_load,
        count(distinct csm_owner) as csms_assigned,
        -- the month's accounts are all measured on its last day once that day is computed
        min(case when extract(day from {{ add_days('measured_on', 1) }}) = 1 then 1 else 0 end) = 1
            as is_complete_month
    from account_months
    group by month, segment_type, segment_value

),

final as (

    select
        cast(month as date) as month,
        {{ dbt.cast("segment_type", "varchar") }} as segment_type,
        {{ dbt.cast("segment_value", "varchar") }} as segment_value,
        {{ dbt.cast("accounts", "bigint") }} as accounts,
        {{ dbt.cast("starting_accounts", "bigint") }} as starting_accounts,
        {{ dbt.cast("churned_accounts", "bigint") }} as churned_accounts,
        {{ dbt.cast("starting_arr", "decimal(18, 2)") }} as starting_arr,
        {{ dbt.cast("ending_arr", "decimal(18, 2)") }} as ending_arr,
        {{ dbt.cast("new_arr", "decimal(18, 2)") }} as new_arr,
        {{ dbt.cast("expansion_arr", "decimal(18, 2)") }} as expansion_arr,
        {{ dbt.cast("contraction_arr", "decimal(18, 2)") }} as contraction_arr,
        {{ dbt.cast("churned_arr", "decimal(18, 2)") }} as churned_arr,
        {{ safe_divide('starting_arr - contraction_arr - churned_arr', 'starting_arr') }} as grr,
        {{ safe_divide('starting_arr + expansion_arr - contraction_arr - churned_arr', 'starting_arr') }}
            as nrr,
        {{ safe_divide('churned_accounts', 'starting_accounts') }} as logo_churn_rate,
        -- rounded to a millionth first, so float noise in the sum of 1/ratio shares adds no CSM
        {{ dbt.cast("ceil(round(csm_load * 1000000) / 1000000)", "bigint") }} as csms_required,
        {{ dbt.cast("csms_assigned", "bigint") }} as csms_assigned,
        is_complete_month
    from summarised

)

select * from final
