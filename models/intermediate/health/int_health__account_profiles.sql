{#-
    The health profile of each account on each plan it has had, per period of its attributes
    (int_accounts__attribute_periods): the rows of seed `health_profile_assignments` whose
    industry and plan are empty (any) or equal to the account's match it, and the most specific one
    wins: industry and plan > industry > plan > the catch-all row (both empty; a data test keeps
    exactly one). Industry outranks plan because the vertical sets the rhythm of use (a school vs a
    sales team), the plan only its scope. The profile of an account-day is the row of its plan
    whose period holds the day, so it follows the industry the account had that day; periods, not
    days, keep the model small.
-#}

with

attribute_periods as (

    select * from {{ ref('int_accounts__attribute_periods') }}

),

subscriptions as (

    select * from {{ ref('stg_raw__subscriptions') }}

),

assignments as (

    select * from {{ ref('health_profile_assignments') }}

),

-- every plan an account has had: the plan of an account-day comes from one of them
account_plans as (

    select distinct
        account_id,
        plan
    from subscriptions

),

-- every assignment rule that matches a plan and the industry of a period, with its specificity
-- (industry 2, plan 1)
candidates as (

    select
        account_plans.account_id,
        account_plans.plan,
        attribute_periods.valid_from,
        attribute_periods.valid_to,
        attribute_periods.industry,
        assignments.health_profile,
        case when assignments.industry is not null then 2 else 0 end
        + case when assignments.plan is not null then 1 else 0 end as specificity
    from account_plans
    inner join attribute_periods
        on account_plans.account_id = attribute_periods.account_id
    inner join assignments
        on (assignments.industry is null or attribute_periods.industry = assignments.industry)
        and (assignments.plan is null or account_plans.plan = assignments.plan)

),

ranked as (

    select
        *,
        row_number() over (
            partition by account_id, plan, valid_from
            order by specificity desc
        ) as match_rank
    from candidates

),

final as (

    select
        account_id,
        plan,
        valid_from,
        valid_to,
        industry,
        health_profile,
        case specificity
            when 3 then 'industry_and_plan'
            when 2 then 'industry'
            when 1 then 'plan'
            else 'default'
        end as matched_on
    from ranked
    where match_rank = 1

)

select * from final
