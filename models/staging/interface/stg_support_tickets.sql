{#-
    The support tickets every model downstream reads, whichever system they come from: the staging model
    of the source the var `support_source` names (stg_raw__support_tickets for the contract, else
    stg_<connector>__support_tickets). dbt registers only that one ref, so an unchosen source's tables are
    never read. The columns below are the interface: each source's model maps onto exactly these.
-#}

with

source_rows as (

    select * from {{ ref(staging_model_for('support', 'support_tickets')) }}

),

final as (

    select
        ticket_id,
        account_id,
        priority,
        csat_score,
        is_escalated,
        opened_at,
        first_response_at,
        resolved_at
    from source_rows

)

select * from final
