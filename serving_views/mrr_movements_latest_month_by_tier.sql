-- The latest month's MRR movements (new, expansion, contraction, churn, reactivation...) by the
-- accounts' revenue tier on the latest day: accounts and the ARR each movement added or removed.
select
    movements.month,
    segments.arr_tier,
    movements.movement,
    count(*) as accounts,
    12 * sum(movements.mrr_change) as arr_change
from mrr_movements as movements
inner join account_segments as segments
    on movements.account_id = segments.account_id
where movements.month = (select max(month) from mrr_movements)
group by movements.month, segments.arr_tier, movements.movement
order by segments.arr_tier, movements.movement
