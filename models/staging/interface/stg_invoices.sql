{#-
    The invoices every model downstream reads, whichever system they come from: the staging model
    of the source the var `billing_source` names (stg_raw__invoices for the contract, else
    stg_<connector>__invoices). dbt registers only that one ref, so an unchosen source's tables are
    never read. The columns below are the interface: each source's model maps onto exactly these.
-#}

with

source_rows as (

    select * from {{ ref(staging_model_for('billing', 'invoices')) }}

),

final as (

    select
        invoice_id,
        account_id,
        subscription_id,
        status,
        currency,
        amount,
        issued_on,
        due_on,
        paid_on
    from source_rows

)

select * from final
