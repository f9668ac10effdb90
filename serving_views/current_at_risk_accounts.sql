-- Accounts at risk on the latest day: their owner, why they are at risk (risk_reasons), the
-- health component that pulls their score down most (primary_risk_driver); largest ARR first.
select
    account_id,
    account_name,
    as_of_date,
    arr,
    arr_tier,
    lifecycle_stage,
    health_score,
    health_band,
    risk_reasons,
    primary_risk_driver,
    coverage_model,
    csm_owner
from account_segments
where is_at_risk
order by arr desc, account_id
