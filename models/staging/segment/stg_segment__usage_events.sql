{{ config(enabled=source_is('usage', 'segment')) }}

{#-
    Segment track calls as the contract's usage events: the account from the group the call was
    made in (context_group_id), one unit per call (the tracks table holds no event properties).
    The mapping, column by column, is in the YAML.
-#}

with

-- each group with the account its key names (var segment_account_key)
group_accounts as (

    select distinct
        group_id,
        {{ account_key('segment_account_key') }} as account_id
    from {{ source('segment', 'groups') }}

),

tracks as (

    select * from {{ source('segment', 'tracks') }}

),

final as (

    select
        -- ids
        cast(tracks.id as {{ dbt.type_string() }}) as event_id,
        cast(group_accounts.account_id as {{ dbt.type_string() }}) as account_id,
        cast(tracks.user_id as {{ dbt.type_string() }}) as user_id,

        -- strings
        lower(trim(tracks.event)) as event_name,

        -- numbers: a track call is one unit
        cast(1 as {{ dbt.type_int() }}) as quantity,

        -- timestamps
        cast(tracks.{{ adapter.quote('timestamp') }} as {{ dbt.type_timestamp() }}) as occurred_at

    from tracks
    inner join group_accounts on tracks.context_group_id = group_accounts.group_id

)

select * from final
