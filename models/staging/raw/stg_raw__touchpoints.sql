{{ config(enabled=source_is('success', 'contract')) }}

with

source as (

    select * from {{ source('raw', 'touchpoints') }}

),

renamed as (

    select
        -- ids
        cast(touchpoint_id as {{ dbt.type_string() }}) as touchpoint_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,

        -- strings
        lower(trim(touchpoint_type)) as touchpoint_type,

        -- timestamps
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at

    from source

)

select * from renamed
