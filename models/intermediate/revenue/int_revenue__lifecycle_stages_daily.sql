{#-
    Lifecycle stage of every account and day of int_revenue__mrr_daily, the first rule that
    holds: churned, onboarding, renewal, else adoption. A day's stage depends on that day's
    revenue state only, so the view serves any as-of day that has been computed.
-#}

with

mrr_daily as (

    select * from {{ ref('int_revenue__mrr_daily') }}

),

-- churned: no MRR and at least one ended subscription (a trial without MRR is not churned);
-- whether the account has paid by D; the days since the first start and to the renewal date
churn_and_day_counts as (

    select
        account_id,
        as_of_date,
        not is_paying and has_ended_subscription as is_churned,
        coalesce(first_paid_on <= as_of_date, false) as has_paid,
        case when first_paid_on <= as_of_date then first_paid_on end as first_paid_started_on,
        {{ dbt.datediff('first_started_on', 'as_of_date', 'day') }}
            as days_since_first_start,
        {{ dbt.datediff('as_of_date', 'renews_on', 'day') }}
            as days_to_renewal
    from mrr_daily

),

-- churned first; onboarding wins over renewal. The start day is day 1 of onboarding (0 days since)
stages as (

    select
        *,
        case
            when is_churned then 'churned'
            when days_since_first_start < {{ var('onboarding_days') }} then 'onboarding'
            when days_to_renewal <= {{ var('renewal_window_days') }} then 'renewal'
            else 'adoption'
        end as lifecycle_stage
    from churn_and_day_counts

),

final as (

    select
        account_id,
        as_of_date,
        lifecycle_stage,
        has_paid,
        first_paid_started_on,
        days_since_first_start,
        days_to_renewal,
        lifecycle_stage <> 'churned' as is_live
    from stages

)

select * from final
