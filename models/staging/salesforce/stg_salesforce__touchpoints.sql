{{ config(enabled=source_is('success', 'salesforce')) }}

{#-
    Salesforce tasks (calls, e-mails) and events (meetings) as the contract's touchpoints: the
    activity types the seed crm_activity_types lists, of an account, not deleted. The mapping,
    column by column, is in the YAML.
-#}

with

crm_accounts as (

    select
        id as crm_account_id,
        {{ account_key('salesforce_account_key') }} as account_key
    from {{ source('salesforce', 'account') }}
    where not coalesce(is_deleted, false) and not coalesce(_fivetran_deleted, false)

),

activity_types as (

    select * from {{ ref('crm_activity_types') }}

),

-- tasks happen when completed (else on their due date); events when they start
activities as (

    select
        id,
        account_id as crm_account_id,
        type,
        coalesce(completed_date_time, cast(activity_date as {{ dbt.type_timestamp() }})) as occurred_at
    from {{ source('salesforce', 'task') }}
    where not coalesce(is_deleted, false) and not coalesce(_fivetran_deleted, false)

    union all

    select
        id,
        account_id as crm_account_id,
        type,
        coalesce(start_date_time, activity_date_time) as occurred_at
    from {{ source('salesforce', 'event') }}
    where not coalesce(is_deleted, false) and not coalesce(_fivetran_deleted, false)

),

final as (

    select
        -- ids
        cast(activities.id as {{ dbt.type_string() }}) as touchpoint_id,
        cast(crm_accounts.account_key as {{ dbt.type_string() }}) as account_id,

        -- strings
        activity_types.touchpoint_type,

        -- timestamps
        cast(activities.occurred_at as {{ dbt.type_timestamp() }}) as occurred_at

    from activities
    inner join crm_accounts on activities.crm_account_id = crm_accounts.crm_account_id
    inner join activity_types on lower(trim(activities.type)) = activity_types.activity_type
    where activities.occurred_at is not null

)

select * from final
