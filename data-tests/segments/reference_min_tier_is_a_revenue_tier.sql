-- var reference_min_tier must name a tier of seed revenue_tiers, else the reference override
-- would silently serve nobody: returns a row when it does not.
select '{{ var("reference_min_tier") }}' as reference_min_tier
where not exists (
    select 1
    from {{ ref('revenue_tiers') }}
    where tier_name = '{{ var("reference_min_tier") }}'
)
