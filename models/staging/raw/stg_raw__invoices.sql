{{ config(enabled=source_is('billing', 'contract')) }}

with

source as (

    select * from {{ source('raw', 'invoices') }}

),

renamed as (

    select
        -- ids
        cast(invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(subscription_id as {{ dbt.type_string() }}) as subscription_id,

        -- strings
        lower(trim(status)) as status,
        upper(trim(currency)) as currency,

        -- numbers
        cast(amount as {{ dbt.type_numeric() }}) as amount,

        -- dates
        cast(issued_on as date) as issued_on,
        cast(due_on as date) as due_on,
        cast(paid_on as date) as paid_on

    from source

)

select * from renamed
