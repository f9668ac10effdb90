{{ config(enabled=source_is('usage', 'amplitude')) }}

{#-
    Amplitude users as the contract's users: every user seen in an event (an identify call is an
    event, $identify), with the properties and account of their latest event and the time Amplitude
    first saw them. The mapping, column by column, is in the YAML.
-#}

with

-- every event of a known user, with the account its key names (var amplitude_account_key)
user_events as (

    select
        user_id,
        event_time,
        uuid,
        user_creation_time,
        {{ account_key('amplitude_account_key') }} as account_id,
        {{ json_text('user_properties', 'role') }} as role,
        {{ json_text('user_properties', 'deactivated_at') }} as deactivated_at_text
    from {{ source('amplitude', 'event') }}
    where user_id is not null

),

-- a user's latest event holds their current properties and account
ranked_events as (

    select
        *,
        row_number() over (partition by user_id order by event_time desc, uuid desc) as event_rank,
        min(coalesce(user_creation_time, event_time)) over (partition by user_id) as first_seen_at
    from user_events

),

final as (

    select
        -- ids
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,

        -- strings
        lower(trim(role)) as role,

        -- timestamps
        cast(first_seen_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(deactivated_at_text as {{ dbt.type_timestamp() }}) as deactivated_at

    from ranked_events
    where event_rank = 1

)

select * from final
