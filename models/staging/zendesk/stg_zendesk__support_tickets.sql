{{ config(enabled=source_is('support', 'zendesk')) }}

{#-
    Zendesk tickets as the contract's support tickets: the account through the ticket's
    organization, the first response from the first public agent comment, the resolution from the
    ticket's metrics while it is solved, CSAT from its satisfaction rating and escalation from a tag.
    Deleted rows (_fivetran_deleted) are left out. The mapping, column by column, is in the YAML.
-#}

with

-- organizations still in Zendesk, with the account their key names (var zendesk_account_key)
organizations as (

    select
        id as organization_id,
        {{ account_key('zendesk_account_key') }} as account_id
    from {{ source('zendesk', 'organization') }}
    where not coalesce(_fivetran_deleted, false)

),

tickets as (

    select * from {{ source('zendesk', 'ticket') }}
    where not coalesce(_fivetran_deleted, false)

),

agents as (

    select id as user_id
    from {{ source('zendesk', 'user') }}
    where role in ('agent', 'admin')

),

-- comments the requester sees (an internal note is no response), not deleted
public_comments as (

    select
        ticket_id,
        user_id,
        created as commented_at
    from {{ source('zendesk', 'ticket_comment') }}
    where coalesce({{ adapter.quote('public') }}, true) and not coalesce(_fivetran_deleted, false)

),

-- the first public comment an agent wrote on each ticket: its first response
first_responses as (

    select
        public_comments.ticket_id,
        min(public_comments.commented_at) as first_response_at
    from public_comments
    inner join agents on public_comments.user_id = agents.user_id
    group by public_comments.ticket_id

),

metrics as (

    select
        ticket_id,
        max(solved_at) as solved_at
    from {{ source('zendesk', 'ticket_metric') }}
    group by ticket_id

),

-- each ticket's latest rating: good and bad on the 1-5 scale of the vars, a number as it is
ratings as (

    select
        ticket_id,
        case
            when lower(score) = 'good' then {{ var('zendesk_csat_good_score') }}
            when lower(score) = 'bad' then {{ var('zendesk_csat_bad_score') }}
            when score in ('1', '2', '3', '4', '5') then cast(score as {{ dbt.type_int() }})
        end as csat_score,
        row_number() over (
            partition by ticket_id order by coalesce(updated_at, created_at) desc, id desc
        ) as rating_rank
    from {{ source('zendesk', 'satisfaction_rating') }}

),

escalations as (

    select distinct ticket_id
    from {{ source('zendesk', 'ticket_tag') }}
    where lower(tags) = '{{ var("zendesk_escalation_tag") }}'

),

final as (

    select
        -- ids
        cast(tickets.id as {{ dbt.type_string() }}) as ticket_id,
        cast(organizations.account_id as {{ dbt.type_string() }}) as account_id,

        -- strings
        lower(trim(tickets.priority)) as priority,

        -- numbers
        cast(ratings.csat_score as {{ dbt.type_int() }}) as csat_score,

        -- booleans
        escalations.ticket_id is not null as is_escalated,

        -- timestamps: resolved while the ticket is solved or closed
        cast(tickets.created_at as {{ dbt.type_timestamp() }}) as opened_at,
        cast(first_responses.first_response_at as {{ dbt.type_timestamp() }}) as first_response_at,
        cast(case
            when tickets.status in ('solved', 'closed') then metrics.solved_at
        end as {{ dbt.type_timestamp() }}) as resolved_at

    from tickets
    inner join organizations on tickets.organization_id = organizations.organization_id
    left join first_responses on tickets.id = first_responses.ticket_id
    left join metrics on tickets.id = metrics.ticket_id
    left join ratings on tickets.id = ratings.ticket_id and ratings.rating_rank = 1
    left join escalations on tickets.id = escalations.ticket_id

)

select * from final
