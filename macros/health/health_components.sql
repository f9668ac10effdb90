{#-
    The health components and their metrics, in the fixed component order that also breaks ties
    of `primary_risk_driver` (usage first). A metric is a column of int_health__component_scores'
    `metrics` CTE (an account_features_daily column, or one derived there: the quarter metrics
    `*_90d` and `mrr_change_ratio_90d`); `better` says which way is healthy. `needs_history`: the
    component is no data during an account's first `health_min_history_days` (usage and adoption
    need users and days to show). Seed `health_metric_targets` gives each profile's floor, target
    and weight of these metrics (a data test checks that it names only these, in this direction).
-#}
{% macro health_components() %}
    {{ return([
        {'name': 'usage', 'needs_history': true, 'metrics': [
            {'name': 'active_days_30d', 'better': 'higher'},
            {'name': 'active_days_90d', 'better': 'higher'},
            {'name': 'usage_change_ratio', 'better': 'higher'},
        ]},
        {'name': 'adoption', 'needs_history': true, 'metrics': [
            {'name': 'seat_utilization', 'better': 'higher'},
            {'name': 'seat_utilization_peak_90d', 'better': 'higher'},
            {'name': 'feature_breadth', 'better': 'higher'},
            {'name': 'feature_breadth_peak_90d', 'better': 'higher'},
        ]},
        {'name': 'engagement', 'needs_history': false, 'metrics': [
            {'name': 'days_since_admin_login', 'better': 'lower'},
            {'name': 'days_since_touchpoint', 'better': 'lower'},
            {'name': 'days_since_qbr', 'better': 'lower'},
        ]},
        {'name': 'support', 'needs_history': false, 'metrics': [
            {'name': 'tickets_opened_30d', 'better': 'lower'},
            {'name': 'urgent_or_escalated_tickets_30d', 'better': 'lower'},
            {'name': 'avg_csat_90d', 'better': 'higher'},
        ]},
        {'name': 'sentiment', 'needs_history': false, 'metrics': [
            {'name': 'nps_180d', 'better': 'higher'},
        ]},
        {'name': 'financial', 'needs_history': false, 'metrics': [
            {'name': 'past_due_invoices', 'better': 'lower'},
            {'name': 'mrr_change_ratio_90d', 'better': 'higher'},
        ]},
    ]) }}
{% endmacro %}
