-- Component weights are relative: none may be negative and a profile needs some weight, or its
-- health score could never be computed.
select *
from {{ ref('health_profiles') }}
where usage_weight < 0
    or adoption_weight < 0
    or engagement_weight < 0
    or support_weight < 0
    or sentiment_weight < 0
    or financial_weight < 0
    or usage_weight + adoption_weight + engagement_weight + support_weight + sentiment_weight + financial_weight <= 0
