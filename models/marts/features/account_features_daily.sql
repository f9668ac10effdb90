{#-
    Account features per account and as-of day: revenue, payment, adoption, engagement,
    support, NPS and the five disengagement signals, from data up to the end of D. One row per
    account from its first subscription start, for the days of the run's as-of range
    (incremental: a run replaces its days).

    The signals are judged by the coverage model of the account's rule tier on D (seed
    disengagement_signals: which apply, with which threshold); a signal that does not apply is
    false. Gap signals count from the later of the last event and the first paid start.

    Windowed counts arrive as day-by-day deltas from the int_features__*_changes models. Those
    that change on most days (activity, users, plan features, admin logins) become values by a
    running sum (running max for the last admin login) over the account-day calendar of the
    range; those that change on few days arrive as periods of constant values
    (int_features__state_periods) joined by date range. Either way a run needs no rows before
    its first day. MRR 90 days back comes from the revenue state of that day; first-response
    medians arrive as daily values.
-#}
{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        **incremental_by_day('as_of_date', ['account_id', 'as_of_date']),
    )
}}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}
{%- set mrr_lookback_days = var('mrr_change_lookback_days') %}

with

mrr_daily as (

    select * from {{ ref('int_revenue__mrr_daily') }}

),

states as (

    select * from {{ ref('int_revenue__subscription_states') }}

),

activity_changes as (

    select * from {{ ref('int_features__activity_changes') }}

),

user_changes as (

    select * from {{ ref('int_features__user_changes') }}

),

plan_feature_changes as (

    select * from {{ ref('int_features__plan_feature_changes') }}

),

admin_login_changes as (

    select * from {{ ref('int_features__admin_login_changes') }}

),

first_responses as (

    select * from {{ ref('int_features__first_response_daily') }}

),

state_periods as (

    select * from {{ ref('int_features__state_periods') }}

),

plan_features as (

    select * from {{ ref('plan_features') }}

),

lifecycle_stages as (

    select * from {{ ref('int_revenue__lifecycle_stages_daily') }}

),

revenue_tiers_daily as (

    select * from {{ ref('int_revenue__tiers_daily') }}

),

coverage_models as (

    select * from {{ ref('coverage_models') }}

),

disengagement_signals as (

    select * from {{ ref('disengagement_signals') }}

),

-- the rows of this run: every account-day of the as-of range from the first subscription start
calendar as (

    select *
    from mrr_daily
    where as_of_date >= {{ first_day }}
        and as_of_date <= {{ last_day }}

),

-- MRR 90 days before a day: the revenue state covering that day (none before the first start: 0).
-- Read from the states (a few rows per account), not from the daily table: a second read of that
-- one would make DuckDB hold the whole calendar in memory.
mrr_lookback as (

    select
        account_id,
        valid_from,
        -- the open end as the last day, so the join has two plain inequalities (a range join)
        coalesce(valid_to, {{ last_day }}) as valid_to,
        mrr
    from states

),

-- each account's first subscription start (any status): where its rows begin
first_starts as (

    select
        account_id,
        min(valid_from) as first_started_on
    from states
    group by account_id

),

-- the rows of every change model in one shape: a column a model does not have is 0 (null for dates)
all_changes as (

    select
        account_id,
        change_date,
        active_days_delta,
        events_delta,
        events_prev_delta,
        0 as users_delta,
        0 as active_users_delta,
        0 as users_logged_in_delta,
        0 as plan_features_used_delta,
        cast(null as date) as admin_login_on
    from activity_changes

    union all

    select
        account_id,
        change_date,
        0 as active_days_delta,
        0 as events_delta,
        0 as events_prev_delta,
        users_delta,
        active_users_delta,
        users_logged_in_delta,
        0 as plan_features_used_delta,
        cast(null as date) as admin_login_on
    from user_changes

    union all

    select
        account_id,
        change_date,
        0 as active_days_delta,
        0 as events_delta,
        0 as events_prev_delta,
        0 as users_delta,
        0 as active_users_delta,
        0 as users_logged_in_delta,
        plan_features_used_delta,
        cast(null as date) as admin_login_on
    from plan_feature_changes

    union all

    select
        account_id,
        change_date,
        0 as active_days_delta,
        0 as events_delta,
        0 as events_prev_delta,
        0 as users_delta,
        0 as active_users_delta,
        0 as users_logged_in_delta,
        0 as plan_features_used_delta,
        admin_login_on
    from admin_login_changes

),

-- the day each change counts on: changes dated before an account's first row count from that row
dated_changes as (

    select
        all_changes.account_id,
        all_changes.active_days_delta,
        all_changes.events_delta,
        all_changes.events_prev_delta,
        all_changes.users_delta,
        all_changes.active_users_delta,
        all_changes.users_logged_in_delta,
        all_changes.plan_features_used_delta,
        all_changes.admin_login_on,
        case
            when all_changes.change_date < first_starts.first_started_on then first_starts.first_started_on
            else all_changes.change_date
        end as as_of_date
    from all_changes
    inner join first_starts
        on all_changes.account_id = first_starts.account_id
    where all_changes.change_date <= {{ last_day }}

),

-- one row per account and change day
changes_by_day as (

    select
        account_id,
        as_of_date,
        sum(active_days_delta) as active_days_delta,
        sum(events_delta) as events_delta,
        sum(events_prev_delta) as events_prev_delta,
        sum(users_delta) as users_delta,
        sum(active_users_delta) as active_users_delta,
        sum(users_logged_in_delta) as users_logged_in_delta,
        sum(plan_features_used_delta) as plan_features_used_delta,
        max(admin_login_on) as admin_login_on
    from dated_changes
    group by account_id, as_of_date

),

-- one pass over each account's days: running sums of the deltas give the values (a day without
-- a change keeps the values of the day before), the running max the last admin login
windowed as (

    select
        calendar.account_id,
        calendar.as_of_date,
        calendar.plan,
        calendar.mrr,
        calendar.arr,
        calendar.is_paying,
        calendar.first_started_on,
        calendar.has_ended_subscription,
        calendar.renews_on,
        calendar.licensed_seats,
        sum(coalesce(changes_by_day.active_days_delta, 0)) over running_days as active_days_30d,
        sum(coalesce(changes_by_day.events_delta, 0)) over running_days as events_30d,
        sum(coalesce(changes_by_day.events_prev_delta, 0)) over running_days as events_prev_30d,
        sum(coalesce(changes_by_day.users_delta, 0)) over running_days as users_total,
        sum(coalesce(changes_by_day.active_users_delta, 0)) over running_days as active_users_30d,
        sum(coalesce(changes_by_day.users_logged_in_delta, 0)) over running_days as users_logged_in_10d,
        sum(coalesce(changes_by_day.plan_features_used_delta, 0)) over running_days as plan_features_used_30d,
        max(changes_by_day.admin_login_on) over running_days as last_admin_login_on
    from calendar
    left join changes_by_day
        on calendar.account_id = changes_by_day.account_id
        and calendar.as_of_date = changes_by_day.as_of_date
    window running_days as (
        partition by calendar.account_id
        order by calendar.as_of_date
        rows between unbounded preceding and current row
    )

),

-- the number of features of each plan (seed plan_features)
plan_sizes as (

    select
        plan,
        count(*) as plan_features_total
    from plan_features
    group by plan

),

-- the period holding each day (a day before an account's first change has no period: zeros, no dates)
joined as (

    select
        windowed.*,
        state_periods.last_touchpoint_on,
        state_periods.last_qbr_on,
        first_responses.median_first_response_hours_30d,
        coalesce(state_periods.tickets_opened_30d, 0) as tickets_opened_30d,
        coalesce(state_periods.urgent_or_escalated_tickets_30d, 0) as urgent_or_escalated_tickets_30d,
        coalesce(state_periods.open_tickets, 0) as open_tickets,
        coalesce(state_periods.csat_score_sum_90d, 0) as csat_score_sum_90d,
        coalesce(state_periods.csat_responses_90d, 0) as csat_responses_90d,
        coalesce(state_periods.nps_responses_180d, 0) as nps_responses_180d,
        coalesce(state_periods.nps_promoters_180d, 0) as nps_promoters_180d,
        coalesce(state_periods.nps_detractors_180d, 0) as nps_detractors_180d,
        coalesce(state_periods.past_due_invoices, 0) as past_due_invoices,
        coalesce(state_periods.past_due_amount, 0) as past_due_amount,
        coalesce(mrr_lookback.mrr, 0) as mrr_90d_ago,
        coalesce(plan_sizes.plan_features_total, 0) as plan_features_total
    from windowed
    left join state_periods
        on windowed.account_id = state_periods.account_id
        and windowed.as_of_date >= state_periods.valid_from
        and windowed.as_of_date <= state_periods.valid_to
    left join mrr_lookback
        on windowed.account_id = mrr_lookback.account_id
        and {{ add_days('windowed.as_of_date', -mrr_lookback_days) }} >= mrr_lookback.valid_from
        and {{ add_days('windowed.as_of_date', -mrr_lookback_days) }} <= mrr_lookback.valid_to
    left join first_responses
        on windowed.account_id = first_responses.account_id
        and windowed.as_of_date = first_responses.as_of_date
    left join plan_sizes
        on windowed.plan = plan_sizes.plan

),

-- the signals of each coverage model (seed disengagement_signals): a threshold per signal, null
-- where the signal does not apply to the coverage model
signal_thresholds as (

    select
        coverage_model,
        max(case when signal = 'inactive_users' and is_applied then threshold end) as inactive_users_pct,
        max(case when signal = 'no_qbr' and is_applied then threshold end) as qbr_gap_days,
        max(case when signal = 'usage_drop' and is_applied then threshold end) as usage_drop_pct,
        max(case when signal = 'no_touchpoint' and is_applied then threshold end) as touchpoint_gap_days,
        max(case when signal = 'no_admin_login' and is_applied then threshold end) as admin_login_gap_days
    from disengagement_signals
    group by coverage_model

),

-- each day's signal thresholds, by the coverage model of the account's rule tier (before any
-- at-risk boost), and the day gaps count from at the earliest: the start of the first paid
-- subscription, or, while the account has not paid, its first subscription start
signal_rules as (

    select
        revenue_tiers_daily.account_id,
        revenue_tiers_daily.as_of_date,
        lifecycle_stages.first_paid_started_on,
        signal_thresholds.inactive_users_pct,
        signal_thresholds.qbr_gap_days,
        signal_thresholds.usage_drop_pct,
        signal_thresholds.touchpoint_gap_days,
        signal_thresholds.admin_login_gap_days
    from revenue_tiers_daily
    inner join coverage_models
        on revenue_tiers_daily.arr_tier = coverage_models.tier_name
    inner join lifecycle_stages
        on revenue_tiers_daily.account_id = lifecycle_stages.account_id
        and revenue_tiers_daily.as_of_date = lifecycle_stages.as_of_date
    left join signal_thresholds
        on coverage_models.coverage_model = signal_thresholds.coverage_model
    where revenue_tiers_daily.as_of_date >= {{ first_day }}
        and revenue_tiers_daily.as_of_date <= {{ last_day }}

),

-- users without a recent login; days since the last admin login, touchpoint and QBR; the day the
-- gap signals count from
metrics as (

    select
        joined.*,
        signal_rules.inactive_users_pct,
        signal_rules.qbr_gap_days,
        signal_rules.usage_drop_pct,
        signal_rules.touchpoint_gap_days,
        signal_rules.admin_login_gap_days,
        coalesce(signal_rules.first_paid_started_on, joined.first_started_on) as gaps_counted_from,
        joined.users_total - joined.users_logged_in_10d as users_without_login_10d,
        {{ dbt.datediff('joined.last_admin_login_on', 'joined.as_of_date', 'day') }}
            as days_since_admin_login,
        {{ dbt.datediff('joined.last_touchpoint_on', 'joined.as_of_date', 'day') }}
            as days_since_touchpoint,
        {{ dbt.datediff('joined.last_qbr_on', 'joined.as_of_date', 'day') }}
            as days_since_qbr
    from joined
    inner join signal_rules
        on joined.account_id = signal_rules.account_id
        and joined.as_of_date = signal_rules.as_of_date

),

-- the days each gap signal measures: since the last event, or since the day gaps count from when
-- that is later (no event yet, or none since before the first paid start)
gaps as (

    select
        *,
        {{ dbt.datediff(
            'case when last_admin_login_on > gaps_counted_from then last_admin_login_on else gaps_counted_from end',
            'as_of_date',
            'day'
        ) }} as days_without_admin_login,
        {{ dbt.datediff(
            'case when last_touchpoint_on > gaps_counted_from then last_touchpoint_on else gaps_counted_from end',
            'as_of_date',
            'day'
        ) }} as days_without_touchpoint,
        {{ dbt.datediff(
            'case when last_qbr_on > gaps_counted_from then last_qbr_on else gaps_counted_from end',
            'as_of_date',
            'day'
        ) }} as days_without_qbr
    from metrics

),

-- the five disengagement signals, each false where it does not apply (a null threshold). Gaps
-- are elapsed days strictly beyond the threshold
signals as (

    select
        *,
        (
            inactive_users_pct is not null
            and users_without_login_10d * 100 > users_total * inactive_users_pct
        ) as has_signal_inactive_users,
        (qbr_gap_days is not null and days_without_qbr > qbr_gap_days) as has_signal_no_qbr,
        -- "dropped by 30% or more": the threshold itself is a drop; exact arithmetic, no rounding
        (
            usage_drop_pct is not null
            and events_prev_30d > 0
            and events_30d * 100 <= events_prev_30d * (100 - usage_drop_pct)
        ) as has_signal_usage_drop,
        (
            touchpoint_gap_days is not null
            and days_without_touchpoint > touchpoint_gap_days
        ) as has_signal_no_touchpoint,
        (
            admin_login_gap_days is not null
            and days_without_admin_login > admin_login_gap_days
        ) as has_signal_no_admin_login
    from gaps

),

-- the contract's types (dbt.cast spells varchar and double precision the Spark way there)
final as (

    select
        {{ dbt.cast('account_id', 'varchar') }} as account_id,
        cast(as_of_date as date) as as_of_date,
        {{ dbt.cast('plan', 'varchar') }} as plan,
        cast(mrr as decimal(18, 2)) as mrr,
        cast(arr as decimal(18, 2)) as arr,
        cast(mrr_90d_ago as decimal(18, 2)) as mrr_90d_ago,
        cast(mrr - mrr_90d_ago as decimal(18, 2)) as mrr_change_90d,
        is_paying,
        first_started_on,
        has_ended_subscription,
        renews_on,
        cast(past_due_invoices as bigint) as past_due_invoices,
        cast(past_due_amount as decimal(18, 2)) as past_due_amount,
        cast(licensed_seats as bigint) as licensed_seats,
        cast(users_total as bigint) as users_total,
        cast(active_users_30d as bigint) as active_users_30d,
        {{ safe_divide(
            'active_users_30d',
            'case when licensed_seats > 0 then licensed_seats else users_total end'
        ) }} as seat_utilization,
        cast(active_days_30d as bigint) as active_days_30d,
        cast(events_30d as bigint) as events_30d,
        cast(events_prev_30d as bigint) as events_prev_30d,
        {{ safe_divide('events_30d - events_prev_30d', 'events_prev_30d') }} as usage_change_ratio,
        cast(plan_features_used_30d as bigint) as plan_features_used_30d,
        cast(plan_features_total as bigint) as plan_features_total,
        {{ safe_divide('plan_features_used_30d', 'plan_features_total') }} as feature_breadth,
        cast(users_without_login_10d as bigint) as users_without_login_10d,
        {{ safe_divide('users_without_login_10d', 'users_total') }} as share_users_without_login_10d,
        cast(days_since_admin_login as bigint) as days_since_admin_login,
        cast(days_since_touchpoint as bigint) as days_since_touchpoint,
        cast(days_since_qbr as bigint) as days_since_qbr,
        cast(tickets_opened_30d as bigint) as tickets_opened_30d,
        cast(open_tickets as bigint) as open_tickets,
        cast(urgent_or_escalated_tickets_30d as bigint) as urgent_or_escalated_tickets_30d,
        {{ dbt.cast('median_first_response_hours_30d', 'double precision') }}
            as median_first_response_hours_30d,
        {{ safe_divide('csat_score_sum_90d', 'csat_responses_90d') }} as avg_csat_90d,
        {{ safe_divide('100 * (nps_promoters_180d - nps_detractors_180d)', 'nps_responses_180d') }}
            as nps_180d,
        cast(nps_responses_180d as bigint) as nps_responses_180d,
        has_signal_inactive_users,
        has_signal_no_qbr,
        has_signal_usage_drop,
        has_signal_no_touchpoint,
        has_signal_no_admin_login,
        cast(
            case when has_signal_inactive_users then 1 else 0 end
            + case when has_signal_no_qbr then 1 else 0 end
            + case when has_signal_usage_drop then 1 else 0 end
            + case when has_signal_no_touchpoint then 1 else 0 end
            + case when has_signal_no_admin_login then 1 else 0 end
            as bigint
        ) as disengagement_signal_count
    from signals

)

select * from final
