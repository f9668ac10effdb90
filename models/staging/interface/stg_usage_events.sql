{#-
    The usage events every model downstream reads, whichever system they come from: the staging model
    of the source the var `usage_source` names (stg_raw__usage_events for the contract, else
    stg_<connector>__usage_events). dbt registers only that one ref, so an unchosen source's tables are
    never read. The columns below are the interface: each source's model maps onto exactly these.
-#}

with

source_rows as (

    select * from {{ ref(staging_model_for('usage', 'usage_events')) }}

),

final as (

    select
        event_id,
        account_id,
        user_id,
        event_name,
        quantity,
        occurred_at
    from source_rows

)

select * from final
