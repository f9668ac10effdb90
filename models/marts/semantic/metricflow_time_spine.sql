{#-
    One row per calendar day from time_spine_start to time_spine_end: the time spine MetricFlow
    joins metrics to (a period without rows still has a place), independent of any run's range.
-#}

with

days as (

    {{ day_spine(var('time_spine_start'), var('time_spine_end')) }}

),

final as (

    select cast(as_of_date as date) as date_day
    from days

)

select * from final
