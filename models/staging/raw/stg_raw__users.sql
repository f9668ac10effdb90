{{ config(enabled=source_is('usage', 'contract')) }}

with

source as (

    select * from {{ source('raw', 'users') }}

),

renamed as (

    select
        -- ids
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,

        -- strings
        lower(trim(role)) as role,

        -- timestamps
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(deactivated_at as {{ dbt.type_timestamp() }}) as deactivated_at

    from source

)

select * from renamed
