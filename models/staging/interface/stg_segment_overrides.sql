{#-
    The segment overrides every model downstream reads. Only the contract provides them today (no connector
    holds them); a source that does would map onto these columns, as for the other interface models.
-#}

with

source_rows as (

    select * from {{ ref('stg_raw__segment_overrides') }}

),

final as (

    select
        override_id,
        account_id,
        segment_type,
        segment_value,
        reason,
        set_by,
        starts_on,
        expires_on,
        set_at
    from source_rows

)

select * from final
