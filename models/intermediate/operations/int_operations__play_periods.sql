{#-
    The stretches of days on which each play's condition holds for an account: one row per account,
    play and stretch, from its first day (the day the play opens an action) to its last. A play's
    condition is a segment value (seed plays: `segment_type`, `to_value`; the account enters it by
    a transition, or holds it from its first day) or a state of int_operations__account_states_daily.
    With the reason the action gives, taken on the opening day. Rebuilt from the whole daily history,
    so a re-run or a recomputed past day finds the same stretches.
-#}

with

plays as (

    select * from {{ ref('plays') }}

),

memberships_daily as (

    select * from {{ ref('int_segments__memberships_daily') }}

),

account_states_daily as (

    select * from {{ ref('int_operations__account_states_daily') }}

),

account_segments_daily as (

    select * from {{ ref('account_segments_daily') }}

),

segment_transitions as (

    select * from {{ ref('segment_transitions') }}

),

-- the days each play's condition holds: the account holds the play's segment value, or is in its state
condition_days as (

    select
        memberships_daily.account_id,
        memberships_daily.as_of_date,
        plays.play,
        plays.segment_type,
        {{ dbt.concat(["plays.segment_type", "':'", "plays.to_value"]) }} as play_trigger,
        {{ dbt.cast("null", dbt.type_string()) }} as condition_detail
    from memberships_daily
    inner join plays
        on memberships_daily.segment_type = plays.segment_type
        and memberships_daily.segment_value = plays.to_value

    union all

    select
        account_states_daily.account_id,
        account_states_daily.as_of_date,
        plays.play,
        plays.segment_type,
        plays.state as play_trigger,
        account_states_daily.state_detail as condition_detail
    from account_states_daily
    inner join plays
        on account_states_daily.state = plays.state

),

-- a stretch starts on a day whose day before did not hold the condition
stretch_starts as (

    select
        *,
        case
            when lag(as_of_date) over account_play_days is null then 1
            when {{ add_days('lag(as_of_date) over account_play_days', 1) }} < as_of_date then 1
            else 0
        end as is_stretch_start
    from condition_days
    window account_play_days as (partition by account_id, play order by as_of_date)

),

-- each day numbered with its stretch
numbered_days as (

    select
        *,
        sum(is_stretch_start) over (
            partition by account_id, play
            order by as_of_date
            rows between unbounded preceding and current row
        ) as stretch_number
    from stretch_starts

),

stretch_ends as (

    select
        account_id,
        play,
        stretch_number,
        max(as_of_date) as last_held_on
    from numbered_days
    group by
        account_id,
        play,
        stretch_number

),

-- the opening day of each stretch, with its last day
stretches as (

    select
        numbered_days.account_id,
        numbered_days.play,
        numbered_days.segment_type,
        numbered_days.play_trigger,
        numbered_days.condition_detail,
        numbered_days.as_of_date as opened_on,
        stretch_ends.last_held_on
    from numbered_days
    inner join stretch_ends
        on numbered_days.account_id = stretch_ends.account_id
        and numbered_days.play = stretch_ends.play
        and numbered_days.stretch_number = stretch_ends.stretch_number
    where numbered_days.is_stretch_start = 1

),

-- the reason, on the opening day: the state's detail; for risk, the risk reasons; for another
-- segment value, the rule of the transition that moved it (none on the account's first day)
final as (

    select
        stretches.account_id,
        stretches.play,
        stretches.opened_on,
        stretches.last_held_on,
        stretches.play_trigger,
        coalesce(
            stretches.condition_detail,
            case when stretches.segment_type = 'risk' then account_segments_daily.risk_reasons end,
            segment_transitions.trigger,
            'first day of the account'
        ) as reason
    from stretches
    left join account_segments_daily
        on stretches.account_id = account_segments_daily.account_id
        and stretches.opened_on = account_segments_daily.as_of_date
    left join segment_transitions
        on stretches.account_id = segment_transitions.account_id
        and stretches.segment_type = segment_transitions.segment_type
        and stretches.opened_on = segment_transitions.effective_date

)

select * from final
