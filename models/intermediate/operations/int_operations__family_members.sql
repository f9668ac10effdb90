{#-
    The family of every account on the latest as-of day of account_segments: the family is its
    top-level ancestor (the account itself when it has no parent) with all that ancestor's
    descendants. The parent links are the attributes as they were that day; they are followed up
    to `family_max_depth` levels with one join per level (no recursive SQL, which not every engine
    has), and `has_deeper_ancestor` flags an account whose tree is deeper (a test fails on it).
-#}

{%- set max_depth = var('family_max_depth') | int %}

with

account_segments as (

    select * from {{ ref('account_segments') }}

),

attribute_periods as (

    select * from {{ ref('int_accounts__attribute_periods') }}

),

-- each account of the latest day with its parent that day
parent_links as (

    select
        account_segments.account_id,
        account_segments.as_of_date,
        attribute_periods.parent_account_id
    from account_segments
    left join attribute_periods
        on account_segments.account_id = attribute_periods.account_id
        and (
            attribute_periods.valid_from is null
            or account_segments.as_of_date >= attribute_periods.valid_from
        )
        and (
            attribute_periods.valid_to is null
            or account_segments.as_of_date <= attribute_periods.valid_to
        )

),

-- the ancestors one level at a time (ancestor_1 is the parent), one level more than resolved
ancestors as (

    select
        level_0.account_id,
        level_0.as_of_date,
        {%- for level in range(1, max_depth + 1) %}
        level_{{ level - 1 }}.parent_account_id as ancestor_{{ level }},
        {%- endfor %}
        level_{{ max_depth }}.parent_account_id as ancestor_{{ max_depth + 1 }}
    from parent_links as level_0
    {% for level in range(1, max_depth + 1) -%}
    left join parent_links as level_{{ level }}
        on level_{{ level - 1 }}.parent_account_id = level_{{ level }}.account_id
    {% endfor %}
),

-- the highest ancestor found is the family; its level is the account's depth in the tree
final as (

    select
        account_id,
        as_of_date,
        coalesce(
            {%- for level in range(max_depth, 0, -1) %}
            ancestor_{{ level }},
            {%- endfor %}
            account_id
        ) as family_id,
        case
            {%- for level in range(max_depth, 0, -1) %}
            when ancestor_{{ level }} is not null then {{ level }}
            {%- endfor %}
            else 0
        end as family_depth,
        ancestor_{{ max_depth + 1 }} is not null as has_deeper_ancestor
    from ancestors

)

select * from final
