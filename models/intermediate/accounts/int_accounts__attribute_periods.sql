{#-
    The attributes of each account (industry, region, use case, potential ARR, reference flag, CSM
    owner, parent) as periods of constant values, so any as-of day D reads the values the account
    had on D: a model joins the period with `valid_from` on or before D (or null: since the
    beginning) and `valid_to` on or after D (or null: still open). Today one open period per
    account holds its current values.
-#}

with

accounts as (

    select * from {{ ref('stg_accounts') }}

),

final as (

    select
        account_id,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to,
        industry,
        region,
        use_case,
        potential_arr,
        is_reference,
        csm_owner,
        parent_account_id
    from accounts

)

select * from final
