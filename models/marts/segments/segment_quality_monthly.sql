{#-
    The evidence that the segments deserve trust, per month-end snapshot D whose outcome window is
    complete: how well the at-risk flag and the health score of D foresaw churn in D+1 ..
    D+`health_outcome_window_days` (int_revenue__churn_outcomes, the churn health_band_outcomes
    counts too), and how steady the health band and the at-risk flag were over the month ending
    on D. Each ratio is published with the counts it is made of, so snapshots pool exactly (sum
    the counts, then divide). Rebuilt on every run.

    Health AUC is the Mann-Whitney statistic from ranks (ties share their average rank): over the
    pairs of a churner and a non-churner with a score, the share in which the churner scored lower,
    a tie counting half.
-#}

{%- set days_per_year = 365 %}  {#- an account-year is 365 account-days #}
{%- set live_stages = "'" ~ var('live_lifecycle_stages') | join("', '") ~ "'" %}

with

segments_daily as (

    select * from {{ ref('account_segments_daily') }}

),

churn_outcomes as (

    select * from {{ ref('int_revenue__churn_outcomes') }}

),

-- accounts on a month-end day of the segment history, with what the segments said that day and
-- the churn outcome that followed
snapshot_accounts as (

    select
        churn_outcomes.snapshot_date,
        churn_outcomes.account_id,
        churn_outcomes.is_paying,
        churn_outcomes.is_complete,
        churn_outcomes.outcome_window_end,
        churn_outcomes.has_churned,
        segments_daily.is_at_risk,
        segments_daily.health_score
    from churn_outcomes
    inner join segments_daily
        on churn_outcomes.snapshot_date = segments_daily.as_of_date
        and churn_outcomes.account_id = segments_daily.account_id

),

-- the snapshots whose outcome window is complete
snapshots as (

    select distinct
        snapshot_date,
        outcome_window_end
    from snapshot_accounts
    where is_complete

),

-- the accounts paying on a complete snapshot day: the population of every outcome metric
paying_snapshot_accounts as (

    select *
    from snapshot_accounts
    where is_complete
        and is_paying

),

-- the at-risk flag against the outcome
flag_outcomes as (

    select
        snapshot_date,
        count(*) as paying_accounts,
        sum(case when is_at_risk then 1 else 0 end) as at_risk_accounts,
        sum(case when has_churned then 1 else 0 end) as churned_accounts,
        sum(case when is_at_risk and has_churned then 1 else 0 end) as at_risk_churned_accounts
    from paying_snapshot_accounts
    group by snapshot_date

),

-- the scored accounts ranked by score within their snapshot: rank() gives a tie group its first
-- rank, plus half the group's extra members gives its average rank
score_ranks as (

    select
        snapshot_date,
        has_churned,
        rank() over (partition by snapshot_date order by health_score)
        + (count(*) over (partition by snapshot_date, health_score) - 1) / 2.0 as score_rank
    from paying_snapshot_accounts
    where health_score is not null

),

-- the group sizes and the churners' rank sum
score_rank_sums as (

    select
        snapshot_date,
        sum(case when has_churned then 1 else 0 end) as scored_churned_accounts,
        sum(case when has_churned then 0 else 1 end) as scored_retained_accounts,
        sum(case when has_churned then score_rank else 0 end) as churned_rank_sum
    from score_ranks
    group by snapshot_date

),

-- Mann-Whitney: the churners' rank sum less its least possible value counts the pairs in which
-- the churner scored higher (a tie half); the other pairs are those in which it scored lower
score_pairs as (

    select
        snapshot_date,
        scored_churned_accounts,
        scored_retained_accounts,
        scored_churned_accounts * scored_retained_accounts as health_auc_pairs,
        scored_churned_accounts * scored_retained_accounts
        - (churned_rank_sum - scored_churned_accounts * (scored_churned_accounts + 1) / 2.0)
            as health_auc_pairs_churner_lower
    from score_rank_sums

),

-- every live account-day with its band and flag, those of the day before and the day after (null
-- when the account has no row that day), and the month-end it counts towards
live_days as (

    select
        today.account_id,
        today.as_of_date,
        {{ dbt.last_day('today.as_of_date', 'month') }} as month_end,
        today.health_band,
        day_before.health_band as previous_health_band,
        day_after.health_band as next_health_band,
        today.is_at_risk,
        day_before.is_at_risk as previous_is_at_risk,
        day_after.is_at_risk as next_is_at_risk
    from segments_daily as today
    left join segments_daily as day_before
        on today.account_id = day_before.account_id
        and day_before.as_of_date = {{ add_days('today.as_of_date', -1) }}
    left join segments_daily as day_after
        on today.account_id = day_after.account_id
        and day_after.as_of_date = {{ add_days('today.as_of_date', 1) }}
    where today.lifecycle_stage in ({{ live_stages }})

),

-- a band change is a band unlike the day before's (both days banded), reversed when the next day
-- is back in the day before's band; a risk entry is a day at risk after a day not at risk,
-- reversed when the next day is not at risk
day_changes as (

    select
        month_end,
        health_band is not null as has_band,
        coalesce(health_band <> previous_health_band, false) as is_band_change,
        coalesce(health_band <> previous_health_band and next_health_band = previous_health_band, false)
            as is_band_reversal,
        coalesce(is_at_risk and not previous_is_at_risk, false) as is_risk_entry,
        coalesce(is_at_risk and not previous_is_at_risk and not next_is_at_risk, false) as is_risk_reversal
    from live_days

),

month_changes as (

    select
        month_end,
        count(*) as live_account_days,
        sum(case when has_band then 1 else 0 end) as banded_live_account_days,
        sum(case when is_band_change then 1 else 0 end) as band_changes,
        sum(case when is_band_reversal then 1 else 0 end) as band_reversals,
        sum(case when is_risk_entry then 1 else 0 end) as risk_entries,
        sum(case when is_risk_reversal then 1 else 0 end) as risk_reversals
    from day_changes
    group by month_end

),

-- every complete snapshot with its counts (0 when it has nothing to count)
snapshot_counts as (

    select
        snapshots.snapshot_date,
        snapshots.outcome_window_end,
        coalesce(flag_outcomes.paying_accounts, 0) as paying_accounts,
        coalesce(flag_outcomes.at_risk_accounts, 0) as at_risk_accounts,
        coalesce(flag_outcomes.churned_accounts, 0) as churned_accounts,
        coalesce(flag_outcomes.at_risk_churned_accounts, 0) as at_risk_churned_accounts,
        coalesce(score_pairs.scored_churned_accounts, 0) as scored_churned_accounts,
        coalesce(score_pairs.scored_retained_accounts, 0) as scored_retained_accounts,
        coalesce(score_pairs.health_auc_pairs, 0) as health_auc_pairs,
        coalesce(score_pairs.health_auc_pairs_churner_lower, 0) as health_auc_pairs_churner_lower,
        coalesce(month_changes.live_account_days, 0) as live_account_days,
        coalesce(month_changes.banded_live_account_days, 0) as banded_live_account_days,
        coalesce(month_changes.band_changes, 0) as band_changes,
        coalesce(month_changes.band_reversals, 0) as band_reversals,
        coalesce(month_changes.risk_entries, 0) as risk_entries,
        coalesce(month_changes.risk_reversals, 0) as risk_reversals
    from snapshots
    left join flag_outcomes
        on snapshots.snapshot_date = flag_outcomes.snapshot_date
    left join score_pairs
        on snapshots.snapshot_date = score_pairs.snapshot_date
    left join month_changes
        on snapshots.snapshot_date = month_changes.month_end

),

-- the ratios, null over no accounts, pairs, days or changes; the contract's types (dbt.cast spells
-- double precision the Spark way there)
final as (

    select
        cast(snapshot_date as date) as snapshot_date,
        cast(paying_accounts as bigint) as paying_accounts,
        {{ dbt.cast(safe_divide('at_risk_accounts', 'paying_accounts'), 'double precision') }}
            as at_risk_share,
        {{ dbt.cast(safe_divide('churned_accounts', 'paying_accounts'), 'double precision') }}
            as churn_rate_90d,
        {{ dbt.cast(safe_divide('at_risk_churned_accounts', 'at_risk_accounts'), 'double precision') }}
            as at_risk_precision,
        {{ dbt.cast(safe_divide('at_risk_churned_accounts', 'churned_accounts'), 'double precision') }}
            as at_risk_recall,
        -- precision / churn rate, in counts: (at-risk churners / at risk) / (churners / paying)
        {{ dbt.cast(safe_divide(
            'at_risk_churned_accounts * paying_accounts', 'at_risk_accounts * churned_accounts'
        ), 'double precision') }} as at_risk_lift,
        {{ dbt.cast(safe_divide('health_auc_pairs_churner_lower', 'health_auc_pairs'), 'double precision') }}
            as health_auc,
        {{ dbt.cast(safe_divide(
            'band_changes * ' ~ days_per_year, 'banded_live_account_days'
        ), 'double precision') }} as band_changes_per_account_year,
        {{ dbt.cast(safe_divide('band_reversals', 'band_changes'), 'double precision') }}
            as band_reversal_share,
        {{ dbt.cast(safe_divide(
            'risk_entries * ' ~ days_per_year, 'live_account_days'
        ), 'double precision') }} as risk_entries_per_account_year,
        {{ dbt.cast(safe_divide('risk_reversals', 'risk_entries'), 'double precision') }}
            as risk_reversal_share,
        cast(at_risk_accounts as bigint) as at_risk_accounts,
        cast(churned_accounts as bigint) as churned_accounts,
        cast(at_risk_churned_accounts as bigint) as at_risk_churned_accounts,
        cast(scored_churned_accounts as bigint) as scored_churned_accounts,
        cast(scored_retained_accounts as bigint) as scored_retained_accounts,
        cast(health_auc_pairs as bigint) as health_auc_pairs,
        {{ dbt.cast('health_auc_pairs_churner_lower', 'double precision') }}
            as health_auc_pairs_churner_lower,
        cast(live_account_days as bigint) as live_account_days,
        cast(banded_live_account_days as bigint) as banded_live_account_days,
        cast(band_changes as bigint) as band_changes,
        cast(band_reversals as bigint) as band_reversals,
        cast(risk_entries as bigint) as risk_entries,
        cast(risk_reversals as bigint) as risk_reversals,
        cast(outcome_window_end as date) as outcome_window_end
    from snapshot_counts

)

select * from final
