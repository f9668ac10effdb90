{{ config(enabled=source_is('accounts', 'contract')) }}

with

source as (

    select * from {{ source('raw', 'accounts') }}

),

renamed as (

    select
        -- ids
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(parent_account_id as {{ dbt.type_string() }}) as parent_account_id,

        -- strings
        trim(account_name) as account_name,
        -- verticals and regions are matched against seeds, so compare them in one case
        lower(trim(industry)) as industry,
        lower(trim(region)) as region,
        lower(trim(use_case)) as use_case,
        trim(csm_owner) as csm_owner,

        -- numbers
        cast(employee_count as {{ dbt.type_int() }}) as employee_count,
        cast(potential_arr as {{ dbt.type_numeric() }}) as potential_arr,

        -- booleans
        coalesce(cast(is_reference as {{ dbt.type_boolean() }}), false) as is_reference,

        -- timestamps
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at

    from source

)

select * from renamed
