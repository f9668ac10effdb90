{#-
    The int_features__*_changes models and the columns each contributes: the one list that
    account_features_daily and int_features__state_periods combine. Summed columns become running
    sums, dated ones running maxes ("the last one on or before D"). `spread` says how:
    - 'running': columns that change on most account-days (product activity), summed over every
      account-day of the mart in one window pass;
    - 'periods': columns that change on few days (support, NPS, invoices, touchpoints), summed
      over their own change days only into periods of constant values (int_features__state_periods),
      which the mart joins by date range. A window aggregate over all account-days costs about
      half a second per five million rows; these inputs have a few rows per account.
-#}
{% macro feature_change_models(spread=none) %}
    {%- set change_models = [
        {'model': 'int_features__activity_changes', 'spread': 'running', 'sum': ['active_days_30d', 'events_30d', 'events_prev_30d'], 'max': []},
        {'model': 'int_features__user_changes', 'spread': 'running', 'sum': ['users_total', 'active_users_30d', 'users_logged_in_10d'], 'max': []},
        {'model': 'int_features__plan_feature_changes', 'spread': 'running', 'sum': ['plan_features_used_30d'], 'max': []},
        {'model': 'int_features__admin_login_changes', 'spread': 'running', 'sum': [], 'max': ['last_admin_login_on']},
        {'model': 'int_features__support_changes', 'spread': 'periods', 'sum': ['tickets_opened_30d', 'urgent_or_escalated_tickets_30d', 'open_tickets', 'csat_score_sum_90d', 'csat_responses_90d'], 'max': []},
        {'model': 'int_features__nps_changes', 'spread': 'periods', 'sum': ['nps_responses_180d', 'nps_promoters_180d', 'nps_detractors_180d'], 'max': []},
        {'model': 'int_features__payment_changes', 'spread': 'periods', 'sum': ['past_due_invoices', 'past_due_amount'], 'max': []},
        {'model': 'int_features__touchpoint_changes', 'spread': 'periods', 'sum': [], 'max': ['last_touchpoint_on', 'last_qbr_on']},
    ] -%}
    {{ return(change_models if spread is none else change_models | selectattr('spread', 'equalto', spread) | list) }}
{% endmacro %}


{#- The summed ('sum') or dated ('max') columns of a list of change models, in order. -#}
{% macro change_columns(change_models, kind) %}
    {%- set columns = [] -%}
    {%- for change_model in change_models -%}
        {%- do columns.extend(change_model[kind]) -%}
    {%- endfor -%}
    {{ return(columns) }}
{% endmacro %}


{#-
    The rows of several change models in one shape (account_id, change_date, every summed column,
    every dated column): a column a model does not have is 0 (sums) or null (dates).
-#}
{% macro union_changes(change_models) %}
    {%- set sum_columns = change_columns(change_models, 'sum') -%}
    {%- set max_columns = change_columns(change_models, 'max') -%}
    {%- for change_model in change_models %}
    select
        account_id,
        change_date
        {%- for column in sum_columns %},
        {{ column if column in change_model['sum'] else '0' }} as {{ column }}
        {%- endfor %}
        {%- for column in max_columns %},
        {{ column if column in change_model['max'] else 'cast(null as date)' }} as {{ column }}
        {%- endfor %}
    from {{ ref(change_model['model']) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}


{#-
    The totals of change columns as select-list items, each after a comma: the sum of every summed
    column (0 when there is none) and the latest of every dated column, of `relation`'s rows -
    grouped, or as a running total over the window named `over`.
-#}
{% macro change_totals(change_models, relation, over=none) %}
    {%- set window = ' over ' ~ over if over else '' -%}
    {%- for column in change_columns(change_models, 'sum') %},
        sum(coalesce({{ relation }}.{{ column }}, 0)){{ window }} as {{ column }}
    {%- endfor %}
    {%- for column in change_columns(change_models, 'max') %},
        max({{ relation }}.{{ column }}){{ window }} as {{ column }}
    {%- endfor %}
{% endmacro %}
