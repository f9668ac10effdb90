{#-
    Lifecycle stage of every account and day of account_features_daily, the first rule that
    holds: churned, onboarding, renewal, else adoption. A day's stage depends on that day's
    features only, so the view serves any as-of day that has been computed.
-#}

with

account_features as (

    select * from {{ ref('account_features_daily') }}

),

-- churned: no MRR and at least one ended subscription (a trial without MRR is not churned);
-- the days since the first start and to the renewal date
churn_and_day_counts as (

    select
        account_id,
        as_of_date,
        not is_paying and has_ended_subscription as is_churned,
        {{ dbt.datediff('first_started_on', 'as_of_date', 'day') }}
            as days_since_first_start,
        {{ dbt.datediff('as_of_date', 'renews_on', 'day') }}
            as days_to_renewal
    from account_features

),

-- churned first; onboarding wins over renewal. The start day is day 1 of onboarding (0 days since)
final as (

    select
        account_id,
        as_of_date,
        is_churned,
        days_since_first_start,
        days_to_renewal,
        case
            when is_churned then 'churned'
            when days_since_first_start < {{ var('onboarding_days') }} then 'onboarding'
            when days_to_renewal <= {{ var('renewal_window_days') }} then 'renewal'
            else 'adoption'
        end as lifecycle_stage
    from churn_and_day_counts

)

select * from final
