{#-
    The segments each account belongs to on the latest as-of day: one row per account and
    segment type, with the day since which the account has held the value.
-#}

with

memberships_daily as (

    select * from {{ ref('int_segments__memberships_daily') }}

),

segment_transitions as (

    select * from {{ ref('segment_transitions') }}

),

latest_day as (

    select max(as_of_date) as as_of_date
    from memberships_daily

),

latest as (

    select memberships_daily.*
    from memberships_daily
    inner join latest_day
        on memberships_daily.as_of_date = latest_day.as_of_date

),

first_days as (

    select
        account_id,
        min(as_of_date) as first_day
    from memberships_daily
    group by account_id

),

last_changes as (

    select
        account_id,
        segment_type,
        max(effective_date) as last_changed_on
    from segment_transitions
    group by account_id, segment_type

),

final as (

    select
        {{ dbt.cast("latest.account_id", "varchar") }} as account_id,
        cast(latest.as_of_date as date) as as_of_date,
        {{ dbt.cast("latest.segment_type", "varchar") }} as segment_type,
        {{ dbt.cast("latest.segment_value", "varchar") }} as segment_value,
        cast(coalesce(last_changes.last_changed_on, first_days.first_day) as date) as member_since
    from latest
    inner join first_days
        on latest.account_id = first_days.account_id
    left join last_changes
        on latest.account_id = last_changes.account_id
        and latest.segment_type = last_changes.segment_type

)

select * from final
