{{ config(enabled=source_is('accounts', 'hubspot')) }}

{#-
    HubSpot company property history as the contract's account field history. HubSpot keeps each
    value a property took, not changes: a change is a value after the company's creation, its old
    value the one before it. Owner and parent ids become the owner's name and the parent's account
    key. Other properties are left out. The mapping, column by column, is in the YAML.
-#}

with

companies as (

    select
        id as company_id,
        property_createdate as created_at,
        {{ account_key('hubspot_account_key') }} as account_key
    from {{ source('hubspot', 'company') }}
    where not coalesce(is_deleted, false) and not coalesce(_fivetran_deleted, false)

),

owners as (

    select
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        trim({{ dbt.concat(["coalesce(first_name, '')", "' '", "coalesce(last_name, '')"]) }}) as owner_name
    from {{ source('hubspot', 'owner') }}

),

-- the values of the tracked properties, named as the contract's columns, each beside the one before
property_values as (

    select
        company_id,
        {{ adapter.quote('timestamp') }} as set_at,
        value as new_value,
        lag(value) over (
            partition by company_id, name order by {{ adapter.quote('timestamp') }}
        ) as old_value,
        case lower(name)
            when 'industry' then 'industry'
            when 'region' then 'region'
            when 'use_case' then 'use_case'
            when 'potential_arr' then 'potential_arr'
            when 'is_reference' then 'is_reference'
            when 'hubspot_owner_id' then 'csm_owner'
            when 'hs_parent_company_id' then 'parent_account_id'
        end as field
    from {{ source('hubspot', 'company_property_history') }}

),

-- a value set after the company was created is a change; ids as names and account keys
changes as (

    select
        property_values.company_id,
        property_values.set_at,
        property_values.field,
        case property_values.field
            when 'csm_owner' then old_owners.owner_name
            when 'parent_account_id' then old_parents.account_key
            else property_values.old_value
        end as old_value,
        case property_values.field
            when 'csm_owner' then new_owners.owner_name
            when 'parent_account_id' then new_parents.account_key
            else property_values.new_value
        end as new_value
    from property_values
    inner join companies on property_values.company_id = companies.company_id
    left join owners as old_owners
        on property_values.field = 'csm_owner' and property_values.old_value = old_owners.owner_id
    left join owners as new_owners
        on property_values.field = 'csm_owner' and property_values.new_value = new_owners.owner_id
    left join companies as old_parents
        on property_values.field = 'parent_account_id'
        and property_values.old_value = cast(old_parents.company_id as {{ dbt.type_string() }})
    left join companies as new_parents
        on property_values.field = 'parent_account_id'
        and property_values.new_value = cast(new_parents.company_id as {{ dbt.type_string() }})
    where property_values.field is not null and property_values.set_at > companies.created_at

),

final as (

    select
        -- ids: one change per company, property and time
        cast({{ dbt.concat([
            dbt.safe_cast("changes.company_id", dbt.type_string()), "'/'", "changes.field", "'/'",
            dbt.safe_cast("changes.set_at", dbt.type_string()),
        ]) }} as {{ dbt.type_string() }}) as change_id,
        cast(companies.account_key as {{ dbt.type_string() }}) as account_id,

        -- strings, in the case stg_raw__account_field_history gives them
        changes.field,
        -- a cleared property holds an empty value: null, as in the contract
        nullif(case
            when changes.field in ('csm_owner', 'parent_account_id') then trim(changes.old_value)
            else lower(trim(changes.old_value))
        end, '') as old_value,
        nullif(case
            when changes.field in ('csm_owner', 'parent_account_id') then trim(changes.new_value)
            else lower(trim(changes.new_value))
        end, '') as new_value,

        -- timestamps
        cast(changes.set_at as {{ dbt.type_timestamp() }}) as changed_at

    from changes
    inner join companies on changes.company_id = companies.company_id

)

select * from final
