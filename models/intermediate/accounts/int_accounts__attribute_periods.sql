{#-
    The attributes of each account (industry, region, use case, potential ARR, reference flag, CSM
    owner, parent) as they were, as periods: a model reading them for as-of day D joins the period
    with `valid_from` on or before D (or null: since the beginning) and `valid_to` on or after D (or
    null: still open), so every day keeps the values it had.

    Each field of each account comes from one of two sources:
    - the CRM's field history (`raw.account_field_history`) when it holds changes of that field for
      that account: a change applies from the day it was made (the last change of a day stands for
      the day), and before the first change the field held that change's old value;
    - otherwise the pipeline's own history of `raw.accounts`, snapshot `accounts_snapshot` taken at
      every refresh: a version applies from the as-of end of the refresh that first saw it
      (`seen_on`), never before a version seen earlier (a run of past days sees a change late, not
      early), and an account's first version holds since the beginning. On Spark, which takes no
      snapshot, the current values hold since the beginning (macro account_attribute_versions).
    A new period starts on every day one of the sources changes, so neighbouring periods may hold
    the same values. History values are text: they are cast as staging casts raw.accounts.
-#}

with

accounts as (

    select * from {{ ref('stg_raw__accounts') }}

),

field_history as (

    select * from {{ ref('stg_raw__account_field_history') }}

),

-- the versions of the attributes the pipeline saw at its refreshes
observed_versions as (

    {{ account_attribute_versions() }}

),

-- each change with its day, ranked within the day (the last one stands for the day) and within
-- the field (the first one says what the field held before)
history_changes as (

    select
        account_id,
        field,
        old_value,
        new_value,
        cast(changed_at as date) as changed_on,
        row_number() over (
            partition by account_id, field, cast(changed_at as date)
            order by changed_at desc, change_id desc
        ) as rank_in_day,
        row_number() over (
            partition by account_id, field
            order by changed_at asc, change_id asc
        ) as change_number
    from field_history

),

-- per account and field with changes: the old value until the first change, then from each day
-- with changes the day's last new value, until the day before the next (next_from)
history_periods as (

    select
        account_id,
        field,
        cast(null as date) as valid_from,
        changed_on as next_from,
        old_value as field_value
    from history_changes
    where change_number = 1

    union all

    select
        account_id,
        field,
        changed_on as valid_from,
        lead(changed_on) over (partition by account_id, field order by changed_on) as next_from,
        new_value as field_value
    from history_changes
    where rank_in_day = 1

),

-- the day each version applies from: the as-of end of the refresh that saw it, or the latest one
-- of an earlier version when that is later
observed_ordered as (

    select
        *,
        row_number() over (partition by account_id order by observed_at) as version_number,
        max(seen_on) over (
            partition by account_id
            order by observed_at
            rows between unbounded preceding and current row
        ) as applies_from
    from observed_versions

),

-- each version until the day before the next one applies; the first since the beginning (a
-- version replaced on the day it applies holds no day)
observed_periods as (

    select
        account_id,
        industry,
        region,
        use_case,
        potential_arr,
        is_reference,
        csm_owner,
        parent_account_id,
        case when version_number > 1 then applies_from end as valid_from,
        lead(applies_from) over (partition by account_id order by observed_at) as next_from
    from observed_ordered

),

-- the days a value may change: the beginning (null), each day of a change, each day a version
-- applies from
period_starts as (

    select
        account_id,
        valid_from
    from history_periods

    union distinct

    select
        account_id,
        valid_from
    from observed_periods

),

-- each period start beside the history's value of every field it has for the account
history_at_starts as (

    select
        period_starts.account_id,
        period_starts.valid_from,
        history_periods.field,
        history_periods.field_value
    from period_starts
    left join history_periods
        on period_starts.account_id = history_periods.account_id
        and (history_periods.valid_from is null or period_starts.valid_from >= history_periods.valid_from)
        and (
            period_starts.valid_from is null
            or history_periods.next_from is null
            or period_starts.valid_from < history_periods.next_from
        )

),

-- one row per period start: which fields the history has, and their values
history_values as (

    select
        account_id,
        valid_from,
        count(case when field = 'industry' then 1 end) > 0 as has_industry_history,
        max(case when field = 'industry' then field_value end) as industry,
        count(case when field = 'region' then 1 end) > 0 as has_region_history,
        max(case when field = 'region' then field_value end) as region,
        count(case when field = 'use_case' then 1 end) > 0 as has_use_case_history,
        max(case when field = 'use_case' then field_value end) as use_case,
        count(case when field = 'potential_arr' then 1 end) > 0 as has_potential_arr_history,
        max(case when field = 'potential_arr' then field_value end) as potential_arr,
        count(case when field = 'is_reference' then 1 end) > 0 as has_is_reference_history,
        max(case when field = 'is_reference' then field_value end) as is_reference,
        count(case when field = 'csm_owner' then 1 end) > 0 as has_csm_owner_history,
        max(case when field = 'csm_owner' then field_value end) as csm_owner,
        count(case when field = 'parent_account_id' then 1 end) > 0 as has_parent_account_id_history,
        max(case when field = 'parent_account_id' then field_value end) as parent_account_id
    from history_at_starts
    group by account_id, valid_from

),

-- each field from the history when it has the field, else from the version that holds on the
-- period's start; the accounts raw.accounts holds now
joined as (

    select
        history_values.account_id,
        history_values.valid_from,
        lead(history_values.valid_from) over (
            partition by history_values.account_id
            order by history_values.valid_from asc nulls first
        ) as next_from,
        case
            when history_values.has_industry_history then history_values.industry
            else observed_periods.industry
        end as industry,
        case
            when history_values.has_region_history then history_values.region
            else observed_periods.region
        end as region,
        case
            when history_values.has_use_case_history then history_values.use_case
            else observed_periods.use_case
        end as use_case,
        case
            when history_values.has_potential_arr_history
                then cast(history_values.potential_arr as {{ dbt.type_numeric() }})
            else observed_periods.potential_arr
        end as potential_arr,
        -- an empty flag is false, as in raw.accounts
        case
            when history_values.has_is_reference_history
                then coalesce(cast(history_values.is_reference as {{ dbt.type_boolean() }}), false)
            else observed_periods.is_reference
        end as is_reference,
        case
            when history_values.has_csm_owner_history then history_values.csm_owner
            else observed_periods.csm_owner
        end as csm_owner,
        case
            when history_values.has_parent_account_id_history then history_values.parent_account_id
            else observed_periods.parent_account_id
        end as parent_account_id
    from history_values
    inner join accounts
        on history_values.account_id = accounts.account_id
    left join observed_periods
        on history_values.account_id = observed_periods.account_id
        and (observed_periods.valid_from is null or history_values.valid_from >= observed_periods.valid_from)
        and (
            history_values.valid_from is null
            or observed_periods.next_from is null
            or history_values.valid_from < observed_periods.next_from
        )

),

final as (

    select
        account_id,
        valid_from,
        {{ add_days('next_from', -1) }} as valid_to,
        industry,
        region,
        use_case,
        potential_arr,
        is_reference,
        csm_owner,
        parent_account_id
    from joined

)

select * from final
