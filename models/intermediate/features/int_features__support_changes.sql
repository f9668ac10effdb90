{#-
    Day-by-day changes, over the run's as-of range, of an account's support load: tickets
    opened and urgent or escalated tickets opened in the activity window, tickets open at the
    end of the day, and the sum and number of CSAT scores of tickets resolved within
    csat_window_days (a CSAT score is given when the ticket is resolved).
    int_features__state_periods sums the deltas into tickets_opened_30d,
    urgent_or_escalated_tickets_30d, open_tickets, csat_score_sum_90d and csat_responses_90d.
-#}
{{ config(materialized='ephemeral') }}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}
{%- set window_days = var('activity_window_days') %}
{%- set csat_window_days = var('csat_window_days') %}

with

tickets as (

    select * from {{ ref('stg_support_tickets') }}

),

-- each ticket's days, and whether it counts as urgent or escalated
ticket_days as (

    select
        account_id,
        cast(opened_at as date) as opened_on,
        cast(resolved_at as date) as resolved_on,
        csat_score,
        -- is_escalated has no date: a ticket counts as escalated from the day it was opened
        case when priority = 'urgent' or is_escalated then 1 else 0 end as is_urgent_or_escalated
    from tickets

),

-- the days each ticket counts in each total
intervals as (

    -- opened within the window ending on D
    select
        account_id,
        opened_on as interval_start,
        {{ add_days('opened_on', window_days - 1) }} as interval_end,
        1 as tickets_opened,
        is_urgent_or_escalated as urgent_or_escalated_tickets,
        0 as open_tickets,
        0 as csat_score_sum,
        0 as csat_responses
    from ticket_days

    union all

    -- open at the end of D: opened by D and not resolved by D
    select
        account_id,
        opened_on as interval_start,
        {{ add_days('resolved_on', -1) }} as interval_end,
        0 as tickets_opened,
        0 as urgent_or_escalated_tickets,
        1 as open_tickets,
        0 as csat_score_sum,
        0 as csat_responses
    from ticket_days

    union all

    -- CSAT of tickets resolved within the CSAT window ending on D
    select
        account_id,
        resolved_on as interval_start,
        {{ add_days('resolved_on', csat_window_days - 1) }} as interval_end,
        0 as tickets_opened,
        0 as urgent_or_escalated_tickets,
        0 as open_tickets,
        csat_score as csat_score_sum,
        1 as csat_responses
    from ticket_days
    where csat_score is not null
        and resolved_on is not null

),

-- each interval's values added on its first day and taken off the day after its last
changes as (

    {{ interval_changes(
        'intervals',
        ['tickets_opened', 'urgent_or_escalated_tickets', 'open_tickets', 'csat_score_sum', 'csat_responses'],
        first_day,
        last_day
    ) }}

),

-- the deltas of each account and change day
final as (

    select
        account_id,
        change_date,
        sum(tickets_opened) as tickets_opened_delta,
        sum(urgent_or_escalated_tickets) as urgent_or_escalated_tickets_delta,
        sum(open_tickets) as open_tickets_delta,
        sum(csat_score_sum) as csat_score_sum_delta,
        sum(csat_responses) as csat_responses_delta
    from changes
    group by account_id, change_date

)

select * from final
