{#-
    Day-by-day changes, over the run's as-of range, of an account's past-due invoices (not
    paid, not void, due before D) and their amount. An invoice is past due from the day after
    its due date to the day before it is paid (open-ended while unpaid), so an invoice due on D
    is not past due on D and one paid on D is no longer past due on D. int_features__state_periods
    sums the deltas into past_due_invoices and past_due_amount.
-#}
{{ config(materialized='ephemeral') }}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}

with

invoices as (

    select * from {{ ref('stg_invoices') }}

),

-- the days each invoice is past due; a paid invoice without a payment date cannot be placed in
-- time: it is never counted
intervals as (

    select
        account_id,
        {{ add_days('due_on', 1) }} as interval_start,
        {{ add_days('paid_on', -1) }} as interval_end,
        1 as past_due_invoices,
        amount as past_due_amount
    from invoices
    where status <> 'void'
        and not (status = 'paid' and paid_on is null)

),

-- each interval's values added on its first day and taken off the day after its last
changes as (

    {{ interval_changes('intervals', ['past_due_invoices', 'past_due_amount'], first_day, last_day) }}

),

-- the deltas of each account and change day
final as (

    select
        account_id,
        change_date,
        sum(past_due_invoices) as past_due_invoices_delta,
        sum(past_due_amount) as past_due_amount_delta
    from changes
    group by account_id, change_date

)

select * from final
