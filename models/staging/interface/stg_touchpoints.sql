{#-
    The touchpoints every model downstream reads, whichever system they come from: the staging model
    of the source the var `success_source` names (stg_raw__touchpoints for the contract, else
    stg_<connector>__touchpoints). dbt registers only that one ref, so an unchosen source's tables are
    never read. The columns below are the interface: each source's model maps onto exactly these.
-#}

with

source_rows as (

    select * from {{ ref(staging_model_for('success', 'touchpoints')) }}

),

final as (

    select
        touchpoint_id,
        account_id,
        touchpoint_type,
        occurred_at
    from source_rows

)

select * from final
