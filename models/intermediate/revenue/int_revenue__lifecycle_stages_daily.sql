{#-
    Lifecycle stage of every account and day of int_revenue__mrr_daily, the first rule that
    holds. An account that has paid is churned (no MRR, an ended subscription), onboarding (in
    its first onboarding_days from its first paid start), renewal, else adoption; one that has
    not paid yet is in trial while a subscription (a trial or a free plan) covers the day, else a
    lapsed trial. A day's stage depends on that day's revenue state only, so the view serves any
    as-of day that has been computed.
-#}

with

mrr_daily as (

    select * from {{ ref('int_revenue__mrr_daily') }}

),

-- whether the account has paid by D (and since when); the days since its first paid start and
-- to the renewal date
day_counts as (

    select
        account_id,
        as_of_date,
        is_paying,
        has_ended_subscription,
        has_running_subscription,
        coalesce(first_paid_on <= as_of_date, false) as has_paid,
        case when first_paid_on <= as_of_date then first_paid_on end as first_paid_started_on,
        case
            when first_paid_on <= as_of_date
                then {{ dbt.datediff('first_paid_on', 'as_of_date', 'day') }}
        end as days_since_first_paid_start,
        {{ dbt.datediff('as_of_date', 'renews_on', 'day') }}
            as days_to_renewal
    from mrr_daily

),

-- churned first; onboarding wins over renewal. The first paid day is day 1 of onboarding (0
-- days since). A trial ended without paying is a lapsed trial, not a churn
stages as (

    select
        *,
        case
            when has_paid and not is_paying and has_ended_subscription then 'churned'
            when has_paid and days_since_first_paid_start < {{ var('onboarding_days') }} then 'onboarding'
            when has_paid and days_to_renewal <= {{ var('renewal_window_days') }} then 'renewal'
            when has_paid then 'adoption'
            when has_running_subscription then 'trial'
            else 'lapsed_trial'
        end as lifecycle_stage
    from day_counts

),

final as (

    select
        account_id,
        as_of_date,
        lifecycle_stage,
        has_paid,
        first_paid_started_on,
        days_since_first_paid_start,
        days_to_renewal,
        lifecycle_stage in ({{ "'" ~ var('live_lifecycle_stages') | join("', '") ~ "'" }}) as is_live
    from stages

)

select * from final
