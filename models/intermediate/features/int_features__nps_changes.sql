{#-
    Day-by-day changes, over the run's as-of range, of an account's NPS answers within
    nps_window_days: answers, promoters (score >= nps_promoter_min_score) and detractors
    (score <= nps_detractor_max_score). int_features__state_periods sums the deltas into
    nps_responses_180d, nps_promoters_180d and nps_detractors_180d.
-#}
{{ config(materialized='ephemeral') }}

{%- set first_day = as_of_start() %}
{%- set last_day = as_of_end() %}
{%- set nps_window_days = var('nps_window_days') %}

with

nps_responses as (

    select * from {{ ref('stg_nps_responses') }}

),

-- the days each answer counts in the NPS window
intervals as (

    select
        account_id,
        cast(responded_at as date) as interval_start,
        {{ add_days('cast(responded_at as date)', nps_window_days - 1) }} as interval_end,
        1 as nps_responses,
        case when score >= {{ var('nps_promoter_min_score') }} then 1 else 0 end as nps_promoters,
        case when score <= {{ var('nps_detractor_max_score') }} then 1 else 0 end as nps_detractors
    from nps_responses

),

-- each interval's values added on its first day and taken off the day after its last
changes as (

    {{ interval_changes(
        'intervals', ['nps_responses', 'nps_promoters', 'nps_detractors'], first_day, last_day
    ) }}

),

-- the deltas of each account and change day
final as (

    select
        account_id,
        change_date,
        sum(nps_responses) as nps_responses_delta,
        sum(nps_promoters) as nps_promoters_delta,
        sum(nps_detractors) as nps_detractors_delta
    from changes
    group by account_id, change_date

)

select * from final
