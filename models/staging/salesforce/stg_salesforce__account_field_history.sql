{{ config(enabled=source_is('accounts', 'salesforce')) }}

{#-
    Salesforce account field history as the contract's account field history: the fields the
    contract tracks, under its column names; a lookup's ids (CSM, parent) as the user's name and the
    parent's account key. Other fields' history is left out. The mapping is in the YAML.
-#}

with

crm_accounts as (

    select
        id as crm_account_id,
        {{ account_key('salesforce_account_key') }} as account_key
    from {{ source('salesforce', 'account') }}
    where not coalesce(is_deleted, false) and not coalesce(_fivetran_deleted, false)

),

crm_users as (

    select
        id as crm_user_id,
        name
    from {{ source('salesforce', 'user') }}

),

-- the changes of the tracked fields, named as the contract's columns
changes as (

    select
        id,
        account_id as crm_account_id,
        created_date,
        old_value,
        new_value,
        case lower(field)
            when 'industry' then 'industry'
            when 'region__c' then 'region'
            when 'use_case__c' then 'use_case'
            when 'potential_arr__c' then 'potential_arr'
            when 'is_reference__c' then 'is_reference'
            when 'customer_success_manager__c' then 'csm_owner'
            when 'parent' then 'parent_account_id'
        end as field
    from {{ source('salesforce', 'account_history') }}
    where not coalesce(is_deleted, false) and not coalesce(_fivetran_deleted, false)

),

-- a lookup's ids as what the contract holds: the CSM's name, the parent's account key
readable as (

    select
        changes.id,
        changes.crm_account_id,
        changes.created_date,
        changes.field,
        case changes.field
            when 'csm_owner' then old_csms.name
            when 'parent_account_id' then old_parents.account_key
            else changes.old_value
        end as old_value,
        case changes.field
            when 'csm_owner' then new_csms.name
            when 'parent_account_id' then new_parents.account_key
            else changes.new_value
        end as new_value
    from changes
    left join crm_users as old_csms
        on changes.field = 'csm_owner' and changes.old_value = old_csms.crm_user_id
    left join crm_users as new_csms
        on changes.field = 'csm_owner' and changes.new_value = new_csms.crm_user_id
    left join crm_accounts as old_parents
        on changes.field = 'parent_account_id' and changes.old_value = old_parents.crm_account_id
    left join crm_accounts as new_parents
        on changes.field = 'parent_account_id' and changes.new_value = new_parents.crm_account_id
    where changes.field is not null

),

final as (

    select
        -- ids
        cast(readable.id as {{ dbt.type_string() }}) as change_id,
        cast(crm_accounts.account_key as {{ dbt.type_string() }}) as account_id,

        -- strings, in the case stg_raw__account_field_history gives them
        readable.field,
        case
            when readable.field in ('csm_owner', 'parent_account_id') then trim(readable.old_value)
            else lower(trim(readable.old_value))
        end as old_value,
        case
            when readable.field in ('csm_owner', 'parent_account_id') then trim(readable.new_value)
            else lower(trim(readable.new_value))
        end as new_value,

        -- timestamps
        cast(readable.created_date as {{ dbt.type_timestamp() }}) as changed_at

    from readable
    inner join crm_accounts on readable.crm_account_id = crm_accounts.crm_account_id

)

select * from final
