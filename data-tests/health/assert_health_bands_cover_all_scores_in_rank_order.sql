-- The lowest band starts at 0 (every score 0-100 has a band), and band_rank orders the bands as
-- their min_score does (transitions up and down read band_rank).
with

bands as (

    select
        *,
        row_number() over (order by min_score) as position_by_score
    from {{ ref('health_bands') }}

)

select
    health_band,
    min_score,
    band_rank,
    position_by_score
from bands
where band_rank <> position_by_score
    or (position_by_score = 1 and min_score <> 0)
