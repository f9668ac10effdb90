{#-
    The users every model downstream reads, whichever system they come from: the staging model
    of the source the var `usage_source` names (stg_raw__users for the contract, else
    stg_<connector>__users). dbt registers only that one ref, so an unchosen source's tables are
    never read. The columns below are the interface: each source's model maps onto exactly these.
-#}

with

source_rows as (

    select * from {{ ref(staging_model_for('usage', 'users')) }}

),

final as (

    select
        user_id,
        account_id,
        role,
        created_at,
        deactivated_at
    from source_rows

)

select * from final
