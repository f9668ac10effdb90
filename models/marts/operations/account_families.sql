{#-
    Account families on the latest as-of day: one row per top-level account (an account without a
    parent; alone, it is a family of one), rolled up over the family - the top-level account and
    all its descendants (int_operations__family_members). The family's health score is the mean of
    its members' scores weighted by their ARR (members with a score and ARR); the worst band is the
    lowest-ranked band among its members.
-#}

with

family_members as (

    select * from {{ ref('int_operations__family_members') }}

),

account_segments as (

    select * from {{ ref('account_segments') }}

),

health_bands as (

    select * from {{ ref('health_bands') }}

),

-- every member with its segments of the day and its band's rank
members as (

    select
        family_members.family_id,
        family_members.family_depth,
        account_segments.as_of_date,
        account_segments.account_id,
        account_segments.arr,
        account_segments.health_score,
        account_segments.health_band,
        health_bands.band_rank,
        account_segments.is_at_risk
    from family_members
    inner join account_segments
        on family_members.account_id = account_segments.account_id
    left join health_bands
        on account_segments.health_band = health_bands.health_band

),

families as (

    select
        family_id,
        max(as_of_date) as as_of_date,
        count(*) as members,
        max(family_depth) as family_depth,
        sum(case when arr > 0 then 1 else 0 end) as paying_members,
        sum(arr) as family_arr,
        {{ safe_divide(
            'sum(case when health_score is not null then health_score * arr end)',
            'sum(case when health_score is not null then arr end)'
        ) }} as family_health_score,
        min(band_rank) as worst_band_rank,
        sum(case when is_at_risk then 1 else 0 end) as at_risk_members,
        sum(case when is_at_risk then arr else 0 end) as at_risk_arr
    from members
    group by family_id

),

final as (

    select
        {{ dbt.cast("families.family_id", "varchar") }} as family_id,
        {{ dbt.cast("account_segments.account_name", "varchar") }} as family_name,
        cast(families.as_of_date as date) as as_of_date,
        {{ dbt.cast("families.members", "bigint") }} as members,
        {{ dbt.cast("families.family_depth", "integer") }} as family_depth,
        {{ dbt.cast("families.paying_members", "bigint") }} as paying_members,
        {{ dbt.cast("families.family_arr", "decimal(18, 2)") }} as family_arr,
        {{ dbt.cast("families.family_health_score", "decimal(5, 2)") }} as family_health_score,
        {{ dbt.cast("health_bands.health_band", "varchar") }} as worst_health_band,
        {{ dbt.cast("families.at_risk_members", "bigint") }} as at_risk_members,
        {{ dbt.cast("families.at_risk_arr", "decimal(18, 2)") }} as at_risk_arr
    from families
    inner join account_segments
        on families.family_id = account_segments.account_id
    left join health_bands
        on families.worst_band_rank = health_bands.band_rank

)

select * from final
