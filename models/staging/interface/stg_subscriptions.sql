{#-
    The subscriptions every model downstream reads, whichever system they come from: the staging model
    of the source the var `billing_source` names (stg_raw__subscriptions for the contract, else
    stg_<connector>__subscriptions). dbt registers only that one ref, so an unchosen source's tables are
    never read. The columns below are the interface: each source's model maps onto exactly these.
-#}

with

source_rows as (

    select * from {{ ref(staging_model_for('billing', 'subscriptions')) }}

),

final as (

    select
        subscription_id,
        account_id,
        plan,
        status,
        currency,
        mrr,
        seats,
        started_on,
        ended_on,
        renews_on,
        updated_at
    from source_rows

)

select * from final
