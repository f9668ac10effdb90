{{ config(enabled=source_is('accounts', 'contract')) }}

with

source as (

    select * from {{ source('raw', 'account_field_history') }}

),

renamed as (

    select
        -- ids
        cast(change_id as {{ dbt.type_string() }}) as change_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,

        -- strings
        lower(trim(field)) as field,
        -- values in the case stg_raw__accounts gives their column: names and account ids as
        -- they are, the other attributes (verticals, regions, use cases, flags) lower-cased
        case
            when lower(trim(field)) in ('csm_owner', 'parent_account_id') then trim(old_value)
            else lower(trim(old_value))
        end as old_value,
        case
            when lower(trim(field)) in ('csm_owner', 'parent_account_id') then trim(new_value)
            else lower(trim(new_value))
        end as new_value,

        -- timestamps
        cast(changed_at as {{ dbt.type_timestamp() }}) as changed_at

    from source

)

select * from renamed
