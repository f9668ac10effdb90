{#-
    The accounts every model downstream reads, whichever system they come from: the staging model
    of the source the var `accounts_source` names (stg_raw__accounts for the contract, else
    stg_<connector>__accounts). dbt registers only that one ref, so an unchosen source's tables are
    never read. The columns below are the interface: each source's model maps onto exactly these.
-#}

with

source_rows as (

    select * from {{ ref(staging_model_for('accounts', 'accounts')) }}

),

final as (

    select
        account_id,
        parent_account_id,
        account_name,
        industry,
        region,
        use_case,
        csm_owner,
        employee_count,
        potential_arr,
        is_reference,
        created_at,
        updated_at
    from source_rows

)

select * from final
