{{ config(enabled=source_is('usage', 'segment')) }}

{#-
    Segment users as the contract's users: each user's traits from their latest identify call,
    their account from their latest group call. The mapping, column by column, is in the YAML.
-#}

with

-- each group call with the account its key names (var segment_account_key)
group_calls as (

    select
        user_id,
        {{ adapter.quote('timestamp') }} as called_at,
        {{ account_key('segment_account_key') }} as account_id
    from {{ source('segment', 'groups') }}
    where user_id is not null

),

-- a user belongs to the account of their latest group call
user_accounts as (

    select
        user_id,
        account_id,
        row_number() over (partition by user_id order by called_at desc) as call_rank
    from group_calls

),

-- the latest identify call holds a user's current traits
identify_calls as (

    select
        user_id,
        role,
        created_at,
        deactivated_at,
        {{ adapter.quote('timestamp') }} as called_at,
        row_number() over (
            partition by user_id order by {{ adapter.quote('timestamp') }} desc, id desc
        ) as call_rank,
        min({{ adapter.quote('timestamp') }}) over (partition by user_id) as first_called_at
    from {{ source('segment', 'identifies') }}

),

final as (

    select
        -- ids
        cast(identify_calls.user_id as {{ dbt.type_string() }}) as user_id,
        cast(user_accounts.account_id as {{ dbt.type_string() }}) as account_id,

        -- strings
        lower(trim(identify_calls.role)) as role,

        -- timestamps: without a created_at trait, the user exists from their first identify call
        cast(
            coalesce(identify_calls.created_at, identify_calls.first_called_at) as {{ dbt.type_timestamp() }}
        ) as created_at,
        cast(identify_calls.deactivated_at as {{ dbt.type_timestamp() }}) as deactivated_at

    from identify_calls
    inner join user_accounts
        on identify_calls.user_id = user_accounts.user_id and user_accounts.call_rank = 1
    where identify_calls.call_rank = 1

)

select * from final
