-- Every profile lists at least one metric of every component (with weight 0 if it does not score
-- it): a component without metrics could never have data, and a profile's health coverage counts
-- the weight of the components it lists.
with

profiles as (

    select * from {{ ref('health_profiles') }}

),

health_components as (

    select * from {{ ref('health_components') }}

),

metric_targets as (

    select * from {{ ref('health_metric_targets') }}

),

listed_components as (

    select distinct
        health_profile,
        component
    from metric_targets

)

select
    profiles.health_profile,
    health_components.component
from profiles
cross join health_components
left join listed_components
    on profiles.health_profile = listed_components.health_profile
    and health_components.component = listed_components.component
where listed_components.component is null
