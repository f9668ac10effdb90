-- Every pair of a signal (the five has_signal_<signal> columns of account_features_daily) and a
-- coverage model of seed coverage_models has a row in seed disengagement_signals, and the seed
-- has no other signal or coverage model: returns the pairs missing or unknown.
with

coverage_models as (

    select * from {{ ref('coverage_models') }}

),

disengagement_signals as (

    select * from {{ ref('disengagement_signals') }}

),

signals as (

    select 'inactive_users' as signal_name
    union all
    select 'no_qbr' as signal_name
    union all
    select 'usage_drop' as signal_name
    union all
    select 'no_touchpoint' as signal_name
    union all
    select 'no_admin_login' as signal_name

),

expected as (

    select distinct
        signals.signal_name,
        coverage_models.coverage_model
    from signals
    cross join coverage_models

)

select
    coalesce(expected.signal_name, disengagement_signals.signal) as signal_name,
    coalesce(expected.coverage_model, disengagement_signals.coverage_model) as coverage_model,
    case when disengagement_signals.signal is null then 'missing' else 'unknown' end as problem
from expected
full outer join disengagement_signals
    on expected.signal_name = disengagement_signals.signal
    and expected.coverage_model = disengagement_signals.coverage_model
where expected.signal_name is null
    or disengagement_signals.signal is null
