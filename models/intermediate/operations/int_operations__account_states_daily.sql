{#-
    The operational states of each account and as-of day that plays can open on (seed plays,
    column `state`): one row per account, day and state that holds, with a short detail for the
    action's reason. States come from the published segment history, the expansion-ready rule and
    the CSM overrides; a day's states depend on that day only.
-#}

with

account_segments_daily as (

    select * from {{ ref('account_segments_daily') }}

),

expansion_daily as (

    select * from {{ ref('int_segments__expansion_daily') }}

),

segment_overrides as (

    select * from {{ ref('stg_segment_overrides') }}

),

-- no_csm_owner: a live account served high- or low-touch (a CSM is expected) has none
unowned as (

    select
        account_id,
        as_of_date,
        'no_csm_owner' as state,
        {{ dbt.concat(["'no CSM for a '", "coverage_model", "' account'"]) }} as state_detail
    from account_segments_daily
    where csm_owner is null
        and coverage_model in ({{ "'" ~ var('owner_required_coverage_models') | join("', '") ~ "'" }})
        and lifecycle_stage in ({{ "'" ~ var('live_lifecycle_stages') | join("', '") ~ "'" }})

),

-- expansion_ready: the expansion-ready rule holds
expansion_ready as (

    select
        account_id,
        as_of_date,
        'expansion_ready' as state,
        expansion_reasons as state_detail
    from expansion_daily
    where is_expansion_ready

),

-- override_open_90d: every override without an end that started override_review_after_days or
-- more days before the day, the oldest first
open_overrides as (

    select
        account_segments_daily.account_id,
        account_segments_daily.as_of_date,
        segment_overrides.segment_type,
        segment_overrides.segment_value,
        segment_overrides.set_by,
        segment_overrides.starts_on,
        segment_overrides.reason,
        row_number() over (
            partition by account_segments_daily.account_id, account_segments_daily.as_of_date
            order by segment_overrides.starts_on, segment_overrides.override_id
        ) as override_number
    from account_segments_daily
    inner join segment_overrides
        on account_segments_daily.account_id = segment_overrides.account_id
    where segment_overrides.expires_on is null
        and account_segments_daily.as_of_date
        >= {{ add_days('segment_overrides.starts_on', var('override_review_after_days')) }}

),

-- one state per account and day: the oldest override names it
long_overrides as (

    select
        account_id,
        as_of_date,
        'override_open_90d' as state,
        {{ dbt.concat([
            "segment_type", "' '", "segment_value", "' since '", dbt.cast("starts_on", dbt.type_string()),
            "' by '", "set_by", "': '", "reason",
        ]) }} as state_detail
    from open_overrides
    where override_number = 1

),

final as (

    select * from unowned
    union all
    select * from expansion_ready
    union all
    select * from long_overrides

)

select * from final
