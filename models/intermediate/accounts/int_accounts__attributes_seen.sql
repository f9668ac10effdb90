{#-
    The attributes of each account as `raw.accounts` holds them now, stamped with the as-of end of
    the run that reads them (`seen_on`): what snapshot `accounts_snapshot` records at each refresh.
    Ephemeral: it holds the run's as-of end, so it is never kept as a view.
-#}
{{ config(materialized='ephemeral') }}

with

accounts as (

    select * from {{ ref('stg_raw__accounts') }}

),

final as (

    select
        account_id,
        industry,
        region,
        use_case,
        potential_arr,
        is_reference,
        csm_owner,
        parent_account_id,
        {{ as_of_end() }} as seen_on
    from accounts

)

select * from final
