{{ config(enabled=source_is('support', 'contract')) }}

with

source as (

    select * from {{ source('raw', 'support_tickets') }}

),

renamed as (

    select
        -- ids
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,

        -- strings
        lower(trim(priority)) as priority,

        -- numbers
        cast(csat_score as {{ dbt.type_int() }}) as csat_score,

        -- booleans
        coalesce(cast(is_escalated as {{ dbt.type_boolean() }}), false) as is_escalated,

        -- timestamps
        cast(opened_at as {{ dbt.type_timestamp() }}) as opened_at,
        cast(first_response_at as {{ dbt.type_timestamp() }}) as first_response_at,
        cast(resolved_at as {{ dbt.type_timestamp() }}) as resolved_at

    from source

)

select * from renamed
