{#-
    Day-by-day changes, over the run's as-of range, of an account's support load: tickets
    opened and urgent or escalated tickets opened in the activity window, tickets open at the
    end of the day, and the sum and number of CSAT scores of tickets resolved within
    csat_window_days (a CSAT score is given when the ticket is resolved). Running sums give the
    values per day (see interval_changes).
-#}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}
{%- set window_days = var('activity_window_days') %}
{%- set csat_window_days = var('csat_window_days') %}

with

tickets as (

    select * from {{ ref('stg_raw__support_tickets') }}

),

ticket_days as (

    select
        account_id,
        cast(opened_at as date) as opened_on,
        cast(resolved_at as date) as resolved_on,
        -- is_escalated has no date: a ticket counts as escalated from the day it was opened
        case when priority = 'urgent' or is_escalated then 1 else 0 end as is_urgent_or_escalated,
        csat_score
    from tickets

),

intervals as (

    -- opened within the window ending on D
    select
        account_id,
        opened_on as interval_start,
        {{ add_days('opened_on', window_days - 1) }} as interval_end,
        1 as tickets_opened_30d,
        is_urgent_or_escalated as urgent_or_escalated_tickets_30d,
        0 as open_tickets,
        0 as csat_score_sum_90d,
        0 as csat_responses_90d
    from ticket_days

    union all

    -- open at the end of D: opened by D and not resolved by D
    select
        account_id,
        opened_on as interval_start,
        {{ add_days('resolved_on', -1) }} as interval_end,
        0 as tickets_opened_30d,
        0 as urgent_or_escalated_tickets_30d,
        1 as open_tickets,
        0 as csat_score_sum_90d,
        0 as csat_responses_90d
    from ticket_days

    union all

    -- CSAT of tickets resolved within the CSAT window ending on D
    select
        account_id,
        resolved_on as interval_start,
        {{ add_days('resolved_on', csat_window_days - 1) }} as interval_end,
        0 as tickets_opened_30d,
        0 as urgent_or_escalated_tickets_30d,
        0 as open_tickets,
        csat_score as csat_score_sum_90d,
        1 as csat_responses_90d
    from ticket_days
    where csat_score is not null
        and resolved_on is not null

),

changes as (

    {{ interval_changes(
        'intervals',
        ['tickets_opened_30d', 'urgent_or_escalated_tickets_30d', 'open_tickets', 'csat_score_sum_90d', 'csat_responses_90d'],
        first_day,
        last_day
    ) }}

),

final as (

    select
        account_id,
        change_date,
        sum(tickets_opened_30d) as tickets_opened_30d,
        sum(urgent_or_escalated_tickets_30d) as urgent_or_escalated_tickets_30d,
        sum(open_tickets) as open_tickets,
        sum(csat_score_sum_90d) as csat_score_sum_90d,
        sum(csat_responses_90d) as csat_responses_90d
    from changes
    group by account_id, change_date

)

select * from final
