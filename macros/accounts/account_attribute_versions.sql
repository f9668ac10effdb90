{#-
    The versions of the account attributes the pipeline has seen, for int_accounts__attribute_periods:
    account_id, observed_at (orders an account's versions), seen_on (the as-of end of the refresh
    that first saw the version) and the seven attributes.
-#}
{% macro account_attribute_versions() %}
    {{ return(adapter.dispatch('account_attribute_versions', 'cs_segmentation')()) }}
{% endmacro %}

{#- Snapshot accounts_snapshot, one row per version. -#}
{% macro default__account_attribute_versions() %}
    select
        account_id,
        dbt_valid_from as observed_at,
        seen_on,
        industry,
        region,
        use_case,
        potential_arr,
        is_reference,
        csm_owner,
        parent_account_id
    from {{ ref('accounts_snapshot') }}
{% endmacro %}

{#- Spark without Delta takes no snapshot: the current values are the one version, since the beginning. -#}
{% macro spark__account_attribute_versions() %}
    select
        account_id,
        cast(null as timestamp) as observed_at,
        cast(null as date) as seen_on,
        industry,
        region,
        use_case,
        potential_arr,
        is_reference,
        csm_owner,
        parent_account_id
    from {{ ref('stg_raw__accounts') }}
{% endmacro %}

{#- Databricks (Delta) takes the snapshot like DuckDB and PostgreSQL; without this its dispatch would
    fall back to the Spark version. -#}
{% macro databricks__account_attribute_versions() %}
    {{ return(default__account_attribute_versions()) }}
{% endmacro %}
