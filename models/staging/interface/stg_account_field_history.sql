{#-
    The account field history every model downstream reads, whichever system they come from: the staging model
    of the source the var `accounts_source` names (stg_raw__account_field_history for the contract, else
    stg_<connector>__account_field_history). dbt registers only that one ref, so an unchosen source's tables are
    never read. The columns below are the interface: each source's model maps onto exactly these.
-#}

with

source_rows as (

    select * from {{ ref(staging_model_for('accounts', 'account_field_history')) }}

),

final as (

    select
        change_id,
        account_id,
        field,
        old_value,
        new_value,
        changed_at
    from source_rows

)

select * from final
