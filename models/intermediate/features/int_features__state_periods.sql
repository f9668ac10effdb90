{#-
    The account features that change on few days (support load, CSAT, NPS, past-due invoices,
    the last touchpoint and QBR) as periods of constant values over the run's as-of range.
    Running sums of the deltas (running maxes of the dates) over each account's change days give
    the values from each change day to the day before the next one; the last period ends on the
    run's last as-of day. account_features_daily spreads them over its account-days with a range
    join, as the revenue states are spread, instead of one window aggregate per column over every
    account-day (these inputs have a few rows per account; the account-days are millions).
-#}
{{ config(materialized='ephemeral') }}

{%- set last_day = as_of_end() %}

with

support_changes as (

    select * from {{ ref('int_features__support_changes') }}

),

nps_changes as (

    select * from {{ ref('int_features__nps_changes') }}

),

payment_changes as (

    select * from {{ ref('int_features__payment_changes') }}

),

touchpoint_changes as (

    select * from {{ ref('int_features__touchpoint_changes') }}

),

-- the rows of every change model in one shape: a column a model does not have is 0 (null for dates)
all_changes as (

    select
        account_id,
        change_date,
        tickets_opened_delta,
        urgent_or_escalated_tickets_delta,
        open_tickets_delta,
        csat_score_sum_delta,
        csat_responses_delta,
        0 as nps_responses_delta,
        0 as nps_promoters_delta,
        0 as nps_detractors_delta,
        0 as past_due_invoices_delta,
        0 as past_due_amount_delta,
        cast(null as date) as touchpoint_on,
        cast(null as date) as qbr_on
    from support_changes

    union all

    select
        account_id,
        change_date,
        0 as tickets_opened_delta,
        0 as urgent_or_escalated_tickets_delta,
        0 as open_tickets_delta,
        0 as csat_score_sum_delta,
        0 as csat_responses_delta,
        nps_responses_delta,
        nps_promoters_delta,
        nps_detractors_delta,
        0 as past_due_invoices_delta,
        0 as past_due_amount_delta,
        cast(null as date) as touchpoint_on,
        cast(null as date) as qbr_on
    from nps_changes

    union all

    select
        account_id,
        change_date,
        0 as tickets_opened_delta,
        0 as urgent_or_escalated_tickets_delta,
        0 as open_tickets_delta,
        0 as csat_score_sum_delta,
        0 as csat_responses_delta,
        0 as nps_responses_delta,
        0 as nps_promoters_delta,
        0 as nps_detractors_delta,
        past_due_invoices_delta,
        past_due_amount_delta,
        cast(null as date) as touchpoint_on,
        cast(null as date) as qbr_on
    from payment_changes

    union all

    select
        account_id,
        change_date,
        0 as tickets_opened_delta,
        0 as urgent_or_escalated_tickets_delta,
        0 as open_tickets_delta,
        0 as csat_score_sum_delta,
        0 as csat_responses_delta,
        0 as nps_responses_delta,
        0 as nps_promoters_delta,
        0 as nps_detractors_delta,
        0 as past_due_invoices_delta,
        0 as past_due_amount_delta,
        touchpoint_on,
        qbr_on
    from touchpoint_changes

),

-- one row per account and change day
changes_by_day as (

    select
        account_id,
        change_date,
        sum(tickets_opened_delta) as tickets_opened_delta,
        sum(urgent_or_escalated_tickets_delta) as urgent_or_escalated_tickets_delta,
        sum(open_tickets_delta) as open_tickets_delta,
        sum(csat_score_sum_delta) as csat_score_sum_delta,
        sum(csat_responses_delta) as csat_responses_delta,
        sum(nps_responses_delta) as nps_responses_delta,
        sum(nps_promoters_delta) as nps_promoters_delta,
        sum(nps_detractors_delta) as nps_detractors_delta,
        sum(past_due_invoices_delta) as past_due_invoices_delta,
        sum(past_due_amount_delta) as past_due_amount_delta,
        max(touchpoint_on) as touchpoint_on,
        max(qbr_on) as qbr_on
    from all_changes
    where change_date <= {{ last_day }}
    group by account_id, change_date

),

-- the values from each change day on (running sums and maxes), and the next change day (where
-- the period ends)
running_values as (

    select
        account_id,
        change_date as valid_from,
        lead(change_date) over (partition by account_id order by change_date) as next_change_date,
        sum(tickets_opened_delta) over running_changes as tickets_opened_30d,
        sum(urgent_or_escalated_tickets_delta) over running_changes as urgent_or_escalated_tickets_30d,
        sum(open_tickets_delta) over running_changes as open_tickets,
        sum(csat_score_sum_delta) over running_changes as csat_score_sum_90d,
        sum(csat_responses_delta) over running_changes as csat_responses_90d,
        sum(nps_responses_delta) over running_changes as nps_responses_180d,
        sum(nps_promoters_delta) over running_changes as nps_promoters_180d,
        sum(nps_detractors_delta) over running_changes as nps_detractors_180d,
        sum(past_due_invoices_delta) over running_changes as past_due_invoices,
        sum(past_due_amount_delta) over running_changes as past_due_amount,
        max(touchpoint_on) over running_changes as last_touchpoint_on,
        max(qbr_on) over running_changes as last_qbr_on
    from changes_by_day
    window running_changes as (
        partition by account_id
        order by change_date
        rows between unbounded preceding and current row
    )

),

final as (

    select
        account_id,
        valid_from,
        -- the open end as the last day, so the mart joins with two plain inequalities (a range join)
        coalesce({{ add_days('next_change_date', -1) }}, {{ last_day }}) as valid_to,
        tickets_opened_30d,
        urgent_or_escalated_tickets_30d,
        open_tickets,
        csat_score_sum_90d,
        csat_responses_90d,
        nps_responses_180d,
        nps_promoters_180d,
        nps_detractors_180d,
        past_due_invoices,
        past_due_amount,
        last_touchpoint_on,
        last_qbr_on
    from running_values

)

select * from final
