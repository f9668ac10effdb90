{{ config(enabled=source_is('accounts', 'salesforce')) }}

{#-
    Salesforce accounts as the contract's accounts: the account id is the key the var
    salesforce_account_key names; the parent and the CSM are looked up by their Salesforce ids.
    Deleted accounts are left out. The mapping, column by column, is in the YAML.
-#}

with

-- accounts still in Salesforce, with their account key
crm_accounts as (

    select
        *,
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

final as (

    select
        -- ids: the parent's Salesforce id as the parent's account key
        cast(crm_accounts.account_key as {{ dbt.type_string() }}) as account_id,
        cast(parents.account_key as {{ dbt.type_string() }}) as parent_account_id,

        -- strings, in the case stg_raw__accounts gives them
        trim(crm_accounts.name) as account_name,
        lower(trim(crm_accounts.industry)) as industry,
        lower(trim(crm_accounts.region__c)) as region,
        lower(trim(crm_accounts.use_case__c)) as use_case,
        trim(csms.name) as csm_owner,

        -- numbers
        cast(crm_accounts.number_of_employees as {{ dbt.type_int() }}) as employee_count,
        cast(crm_accounts.potential_arr__c as {{ dbt.type_numeric() }}) as potential_arr,

        -- booleans
        coalesce(cast(crm_accounts.is_reference__c as {{ dbt.type_boolean() }}), false) as is_reference,

        -- timestamps
        cast(crm_accounts.created_date as {{ dbt.type_timestamp() }}) as created_at,
        cast(
            coalesce(crm_accounts.last_modified_date, crm_accounts.created_date) as {{ dbt.type_timestamp() }}
        ) as updated_at

    from crm_accounts
    left join crm_accounts as parents on crm_accounts.parent_id = parents.id
    left join crm_users as csms on crm_accounts.customer_success_manager__c = csms.crm_user_id
    where crm_accounts.account_key is not null

)

select * from final
