with

source as (

    select * from {{ source('raw', 'nps_responses') }}

),

renamed as (

    select
        -- ids
        cast(response_id as {{ dbt.type_string() }}) as response_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,

        -- numbers
        cast(score as {{ dbt.type_int() }}) as score,

        -- timestamps
        cast(responded_at as {{ dbt.type_timestamp() }}) as responded_at

    from source

)

select * from renamed
