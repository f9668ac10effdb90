{{ config(enabled=source_is('usage', 'contract')) }}

with

source as (

    select * from {{ source('raw', 'usage_events') }}

),

renamed as (

    select
        -- ids
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,

        -- strings
        -- feature keys are matched against the plan-features seed, so compare them in one case
        lower(trim(event_name)) as event_name,

        -- numbers
        -- the contract's default quantity is 1
        coalesce(cast(quantity as {{ dbt.type_int() }}), 1) as quantity,

        -- timestamps
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at

    from source

)

select * from renamed
