{#- The segment assignments of each account on the latest as-of day computed (SPEC section 6). -#}

with

account_segments_daily as (

    select * from {{ ref('account_segments_daily') }}

),

final as (

    select *
    from account_segments_daily
    where as_of_date = (select max(as_of_date) from account_segments_daily)

)

select * from final
