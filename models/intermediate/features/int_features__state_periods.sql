{#-
    The account features that change on few days (support load, CSAT, NPS, past-due invoices, the
    last touchpoint and QBR: the 'periods' change models of feature_change_models) as periods of
    constant values over the run's as-of range. Running sums (maxes for dates) over each account's
    change days give the values from each change day to the day before the next one; the last
    period ends on the run's last as-of day. account_features_daily spreads them over its
    account-days with a range join, as the revenue states are spread, instead of one window
    aggregate per column over every account-day.
-#}

{%- set last_day = as_of_end() %}
{%- set change_models = feature_change_models('periods') %}
{%- set sum_columns = change_columns(change_models, 'sum') %}
{%- set max_columns = change_columns(change_models, 'max') %}

with

all_changes as (
    {{ union_changes(change_models) }}
),

changes_by_day as (

    select
        account_id,
        change_date
        {{- change_totals(change_models, 'all_changes') }}
    from all_changes
    where change_date <= {{ last_day }}
    group by account_id, change_date

),

-- the values from each change day on, and the next change day (where the period ends)
running_values as (

    select
        account_id,
        change_date as valid_from,
        lead(change_date) over (partition by account_id order by change_date) as next_change_date
        {{- change_totals(change_models, 'changes_by_day', over='running_changes') }}
    from changes_by_day
    window running_changes as (
        partition by account_id
        order by change_date
        rows between unbounded preceding and current row
    )

),

final as (

    select
        account_id,
        valid_from,
        -- the open end as the last day, so the mart joins with two plain inequalities (a range join)
        coalesce({{ add_days('next_change_date', -1) }}, {{ last_day }}) as valid_to
        {%- for column in sum_columns %},
        {{ column }}
        {%- endfor %}
        {%- for column in max_columns %},
        {{ column }}
        {%- endfor %}
    from running_values

)

select * from final
