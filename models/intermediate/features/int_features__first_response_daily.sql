{#-
    Median first-response time (hours) of the tickets opened in the activity window, per account
    and as-of day of the run's range; only account-days with at least one answered ticket have a
    row. A ticket counts on D only once it has been answered by the end of D (no look-ahead).
    A median cannot be rolled from daily figures, so each ticket is spread over the (at most
    activity_window_days) days it counts on, a small cross join with a series of offsets.
-#}
{{ config(materialized='ephemeral') }}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}
{%- set window_days = var('activity_window_days') %}

with

tickets as (

    select * from {{ ref('stg_support_tickets') }}

),

-- offsets 0 to activity_window_days - 1: the days from its opening that a ticket counts on
day_offsets as (

    select generated_number - 1 as day_offset
    from ({{ dbt.generate_series(window_days) }}) as series

),

-- answered tickets opened late enough to count on a day of the range
answered_tickets as (

    select
        account_id,
        cast(opened_at as date) as opened_on,
        cast(first_response_at as date) as responded_on,
        -- safe_divide divides as floats everywhere (Spark would keep 6 decimals of a decimal 3600.0)
        {{ safe_divide(dbt.datediff('opened_at', 'first_response_at', 'second'), '3600') }}
            as first_response_hours
    from tickets
    where first_response_at is not null
        and cast(opened_at as date) >= {{ add_days(first_day, -(window_days - 1)) }}
        and cast(opened_at as date) <= {{ last_day }}

),

-- the as-of days of the range each ticket counts on
ticket_days as (

    select
        answered_tickets.account_id,
        {{ add_days('answered_tickets.opened_on', 'day_offsets.day_offset') }} as as_of_date,
        answered_tickets.responded_on,
        answered_tickets.first_response_hours
    from answered_tickets
    cross join day_offsets

),

-- a ticket counts once answered
final as (

    select
        account_id,
        as_of_date,
        {{ median('first_response_hours') }} as median_first_response_hours_30d
    from ticket_days
    where as_of_date >= responded_on
        and as_of_date >= {{ first_day }}
        and as_of_date <= {{ last_day }}
    group by account_id, as_of_date

)

select * from final
