-- Exactly one row with neither industry nor plan: every account gets a profile, unambiguously.
select count(*) as catch_all_rows
from {{ ref('health_profile_assignments') }}
where industry is null
    and plan is null
having count(*) <> 1
