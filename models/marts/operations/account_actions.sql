{#-
    The actions feed: one row per action a play opened (seed plays), over the whole history - an
    action opens on the first day of each stretch of days its play's condition holds for an
    account (int_operations__play_periods) and stays open while the condition holds.
    `action_id` is a hash of account, play and opening day, so every rebuild gives each action the
    same id: a re-run, a backfill or a replayed day finds the actions already delivered (the
    delivery ledger is keyed on the id) and opens none twice. A table rebuilt on every run rather
    than an incremental one: a recomputed past day can move or remove a stretch, and a rebuild
    from the history is the one way the feed always agrees with it.
-#}

with

play_periods as (

    select * from {{ ref('int_operations__play_periods') }}

),

plays as (

    select * from {{ ref('plays') }}

),

account_segments_daily as (

    select * from {{ ref('account_segments_daily') }}

),

coverage_queues as (

    select * from {{ ref('coverage_queues') }}

),

latest_day as (

    select max(as_of_date) as as_of_date
    from account_segments_daily

),

-- each opening with its play's rules, and the account's CSM and coverage on the opening day
openings as (

    select
        play_periods.account_id,
        play_periods.play,
        play_periods.opened_on,
        play_periods.last_held_on,
        play_periods.play_trigger,
        play_periods.reason,
        plays.priority,
        plays.due_days,
        plays.owner_rule,
        account_segments_daily.csm_owner,
        account_segments_daily.coverage_model,
        coverage_queues.queue
    from play_periods
    inner join plays
        on play_periods.play = plays.play
    inner join account_segments_daily
        on play_periods.account_id = account_segments_daily.account_id
        and play_periods.opened_on = account_segments_daily.as_of_date
    left join coverage_queues
        on account_segments_daily.coverage_model = coverage_queues.coverage_model

),

-- the owner by the play's rule; open while the condition still holds on the latest day
owned as (

    select
        openings.*,
        latest_day.as_of_date,
        case
            when openings.owner_rule = 'queue' then openings.queue
            else coalesce(openings.csm_owner, openings.queue)
        end as owner,
        openings.last_held_on = latest_day.as_of_date as is_open
    from openings
    cross join latest_day

),

final as (

    select
        {{ dbt.cast(dbt.hash(dbt.concat([
            "account_id", "'|'", "play", "'|'", dbt.cast("opened_on", dbt.type_string()),
        ])), "varchar") }} as action_id,
        {{ dbt.cast("account_id", "varchar") }} as account_id,
        {{ dbt.cast("play", "varchar") }} as play,
        cast(opened_on as date) as opened_on,
        cast({{ add_days('opened_on', 'due_days') }} as date) as due_on,
        {{ dbt.cast("priority", "varchar") }} as priority,
        {{ dbt.cast("owner", "varchar") }} as owner,
        {{ dbt.cast("reason", "varchar") }} as reason,
        {{ dbt.cast("play_trigger", "varchar") }} as trigger,
        {{ dbt.cast("coverage_model", "varchar") }} as coverage_model,
        {{ dbt.cast("csm_owner", "varchar") }} as csm_owner,
        is_open,
        cast(case when not is_open then {{ add_days('last_held_on', 1) }} end as date) as closed_on,
        cast(as_of_date as date) as as_of_date
    from owned

)

select * from final
