{{ config(enabled=source_is('accounts', 'hubspot')) }}

{#-
    HubSpot companies as the contract's accounts: the account id is the key the var
    hubspot_account_key names; the company owner is the CSM; the parent company is looked up by its
    HubSpot id. Deleted companies are left out. The mapping, column by column, is in the YAML.
-#}

with

-- companies still in HubSpot, with their account key
companies as (

    select
        *,
        {{ account_key('hubspot_account_key') }} as account_key
    from {{ source('hubspot', 'company') }}
    where not coalesce(is_deleted, false) and not coalesce(_fivetran_deleted, false)

),

owners as (

    select
        owner_id,
        trim({{ dbt.concat(["coalesce(first_name, '')", "' '", "coalesce(last_name, '')"]) }}) as owner_name
    from {{ source('hubspot', 'owner') }}

),

final as (

    select
        -- ids: the parent company's HubSpot id as the parent's account key
        cast(companies.account_key as {{ dbt.type_string() }}) as account_id,
        cast(parents.account_key as {{ dbt.type_string() }}) as parent_account_id,

        -- strings, in the case stg_raw__accounts gives them
        trim(companies.property_name) as account_name,
        lower(trim(companies.property_industry)) as industry,
        lower(trim(companies.property_region)) as region,
        lower(trim(companies.property_use_case)) as use_case,
        nullif(owners.owner_name, '') as csm_owner,

        -- numbers
        cast(companies.property_numberofemployees as {{ dbt.type_int() }}) as employee_count,
        cast(companies.property_potential_arr as {{ dbt.type_numeric() }}) as potential_arr,

        -- booleans
        coalesce(cast(companies.property_is_reference as {{ dbt.type_boolean() }}), false) as is_reference,

        -- timestamps
        cast(companies.property_createdate as {{ dbt.type_timestamp() }}) as created_at,
        cast(
            coalesce(companies.property_hs_lastmodifieddate, companies.property_createdate)
            as {{ dbt.type_timestamp() }}
        ) as updated_at

    from companies
    left join companies as parents on companies.property_hs_parent_company_id = parents.id
    left join owners on companies.property_hubspot_owner_id = owners.owner_id
    where companies.account_key is not null

)

select * from final
