{{ config(enabled=source_is('billing', 'stripe')) }}

{#-
    Stripe invoices as the contract's invoices: amounts from cents, drafts (not issued yet),
    deleted and test-mode invoices left out. The mapping, column by column, is in the YAML.
-#}

with

-- customers still in Stripe, with the account their key names (var stripe_account_key)
customers as (

    select
        id as customer_id,
        {{ account_key('stripe_account_key') }} as account_id
    from {{ source('stripe', 'customer') }}
    where not coalesce(is_deleted, false)

),

-- issued invoices: not drafts, not deleted, not test mode
invoices as (

    select * from {{ source('stripe', 'invoice') }}
    where
        lower(status) <> 'draft'
        and not coalesce(is_deleted, false)
        and coalesce(livemode, true)

),

final as (

    select
        -- ids
        cast(invoices.id as {{ dbt.type_string() }}) as invoice_id,
        cast(customers.account_id as {{ dbt.type_string() }}) as account_id,
        cast(invoices.subscription_id as {{ dbt.type_string() }}) as subscription_id,

        -- strings
        lower(trim(invoices.status)) as status,
        upper(trim(invoices.currency)) as currency,

        -- numbers
        {{ minor_units_to_amount('invoices.amount_due') }} as amount,

        -- dates: an invoice charged automatically has no due date: it is due when issued
        cast(invoices.created as date) as issued_on,
        cast(coalesce(invoices.due_date, invoices.created) as date) as due_on,
        cast(invoices.status_transitions_paid_at as date) as paid_on

    from invoices
    inner join customers on invoices.customer_id = customers.customer_id

)

select * from final
