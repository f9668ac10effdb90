with

source as (

    select * from {{ source('raw', 'segment_overrides') }}

),

renamed as (

    select
        -- ids
        cast(override_id as {{ dbt.type_string() }}) as override_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,

        -- strings
        lower(trim(segment_type)) as segment_type,
        -- tiers and coverage models are matched against seeds, so compare them in one case;
        -- named to pair with segment_type (as in the segment memberships)
        lower(trim(value)) as segment_value,
        trim(reason) as reason,
        trim(set_by) as set_by,

        -- dates
        cast(starts_on as date) as starts_on,
        cast(expires_on as date) as expires_on,

        -- timestamps
        cast(set_at as {{ dbt.type_timestamp() }}) as set_at

    from source

)

select * from renamed
