{{ config(enabled=source_is('usage', 'amplitude')) }}

{#-
    Amplitude events as the contract's usage events: the product's own events (Amplitude's $-events,
    such as $identify, are not product use), the account from the event's group, the units from the
    event property quantity. The mapping, column by column, is in the YAML.
-#}

with

events as (

    select
        uuid,
        user_id,
        event_type,
        event_time,
        {{ account_key('amplitude_account_key') }} as account_id,
        {{ json_text('event_properties', 'quantity') }} as quantity_text
    from {{ source('amplitude', 'event') }}
    where event_type not like '$%'

),

final as (

    select
        -- ids
        cast(uuid as {{ dbt.type_string() }}) as event_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,

        -- strings
        lower(trim(event_type)) as event_name,

        -- numbers: an event without the property is one unit, as in the contract
        coalesce(cast(quantity_text as {{ dbt.type_int() }}), 1) as quantity,

        -- timestamps
        cast(event_time as {{ dbt.type_timestamp() }}) as occurred_at

    from events

)

select * from final
