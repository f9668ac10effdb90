{#-
    The nps responses every model downstream reads. Only the contract provides them today (no connector
    holds them); a source that does would map onto these columns, as for the other interface models.
-#}

with

source_rows as (

    select * from {{ ref('stg_raw__nps_responses') }}

),

final as (

    select
        response_id,
        account_id,
        user_id,
        score,
        responded_at
    from source_rows

)

select * from final
