{{ config(enabled=source_is('billing', 'contract')) }}

with

source as (

    select * from {{ source('raw', 'subscriptions') }}

),

renamed as (

    select
        -- ids
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,

        -- strings
        lower(trim(plan)) as plan,
        lower(trim(status)) as status,
        upper(trim(currency)) as currency,

        -- numbers
        cast(mrr as {{ dbt.type_numeric() }}) as mrr,
        cast(seats as {{ dbt.type_int() }}) as seats,

        -- dates
        cast(started_on as date) as started_on,
        cast(ended_on as date) as ended_on,
        cast(renews_on as date) as renews_on,

        -- timestamps
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at

    from source

)

select * from renamed
