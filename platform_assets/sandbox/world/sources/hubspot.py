"""HubSpot's view of the world: the CRM's contacts, companies, deals and marketing emails.

- ``owners``: every employee has a HubSpot seat (owner), created with the employee.
- ``companies``: one per core company; a new version when its first deal is won
  (``lifecyclestage`` lead → customer).
- ``contacts``: one per person HubSpot heard of (signup, a marketing email, or a duplicate
  form fill), created at the earliest of those. A version per lifecycle change (lead → MQL →
  SQL → opportunity → customer) and per merge. A merged duplicate (``core.contact_merges``) is
  its own contact from ``duplicate_created_at`` and an archived version from ``merged_at``; the
  survivor gets a version at ``merged_at`` listing it in ``hs_merged_object_ids`` and
  ``hs_calculated_merged_vids`` (``<id>:<epoch ms>``), as HubSpot does. Each stage's date
  (``hs_lifecyclestage_<stage>_date``) is set from the version that reaches the stage on, so a
  stage reached after the clock does not show; a contact is a lead from its creation.
- ``deals``: one per opportunity, a version per stage (appointment → qualified → closed won/lost);
  ``associations`` links deals to their contact and company and contacts to their company
  (HubSpot's association type ids: deal→contact 3, deal→company 5 "Primary" and 341,
  contact→company 1 "Primary" and 279), created with the later of the two objects.
- ``pipeline_stages``: the default sales pipeline.
- ``engagements``: a CALL when a contact becomes sales-qualified, a MEETING when the deal opens.
- ``email_campaigns`` and ``email_events`` (SENT, DELIVERED, OPEN, CLICK, STATUSCHANGE per send).

Every row is visible once ``created_at`` ≤ clock; versioned objects show their latest version with
``_valid_from`` ≤ clock. HubSpot keeps milliseconds, so every time is truncated to the millisecond,
which keeps ``lastmodifieddate`` cursors exact. Property columns carry HubSpot's property names.
"""

from __future__ import annotations

import duckdb

SCHEMA = "src_hubspot"
PORTAL_ID = 24_681_357
PIPELINE_ID = "default"
CONTACT_ID_BASE = 1_000_000  # + person_id * 10 (+ n for the n-th duplicate)
COMPANY_ID_BASE = 5_000_000_000
DEAL_ID_BASE = 9_000_000_000
OWNER_ID_BASE = 30_000_000
USER_ID_BASE = 7_000_000
ENGAGEMENT_ID_BASE = 20_000_000_000
EMAIL_CAMPAIGN_ID_BASE = 200_000_000
MARKETING_EMAIL_ID_BASE = 90_000_000_000

# (stage id, label, probability, closed) in display order: HubSpot's default sales pipeline.
PIPELINE_STAGES: tuple[tuple[str, str, float, bool], ...] = (
    ("appointmentscheduled", "Appointment Scheduled", 0.2, False),
    ("qualifiedtobuy", "Qualified To Buy", 0.4, False),
    ("presentationscheduled", "Presentation Scheduled", 0.6, False),
    ("decisionmakerboughtin", "Decision Maker Bought-In", 0.8, False),
    ("contractsent", "Contract Sent", 0.9, False),
    ("closedwon", "Closed Won", 1.0, True),
    ("closedlost", "Closed Lost", 0.0, True),
)

EMAIL_EVENT_TYPES = ("SENT", "DELIVERED", "OPEN", "CLICK", "STATUSCHANGE")

# An open deal moves to "qualifiedtobuy" this long after it opens (a closed one: 1/3 of the way).
OPEN_DEAL_QUALIFY_DAYS = 5


def _ms(expr: str) -> str:
    return f"date_trunc('millisecond', {expr})"


def project(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create ``src_hubspot`` from ``core`` in the world file, deterministically."""
    con.execute(f"create schema if not exists {SCHEMA}")
    for build in (
        _owners,
        _contacts,
        _companies,  # after contacts: a company exists no later than its first contact
        _deals,
        _associations,
        _pipeline_stages,
        _engagements,
        _email_campaigns,
        _email_events,
    ):
        con.execute(build())


def _owners() -> str:
    return f"""
        create or replace table {SCHEMA}.owners as
        select
            {OWNER_ID_BASE} + employee_id as id,
            {USER_ID_BASE} + employee_id as user_id,
            email, first_name, last_name,
            {_ms("created_at")} as created_at,
            {_ms("created_at")} as _valid_from,
        from core.employees
        order by id
    """


def _companies() -> str:
    return f"""
        create or replace table {SCHEMA}.companies as
        with first_contact as (
            select associatedcompanyid - {COMPANY_ID_BASE} as company_id,
                min(created_at) as created_at,
            from {SCHEMA}.contacts
            where associatedcompanyid is not null
            group by all
        ),

        companies as (
            -- A contact can reach the CRM (an email list, a form) before anyone from its company
            -- visits the site; HubSpot creates the company with it (least() skips nulls).
            select c.* replace (least(c.created_at, f.created_at) as created_at),
            from core.companies as c
            left join first_contact as f using (company_id)
        ),

        first_won as (
            select p.company_id, min(f.won_at) as won_at,
            from core.funnel as f
            join core.people as p using (person_id)
            where f.won_at is not null and p.company_id is not null
            group by all
        ),

        versions as (
            select company_id, {_ms("created_at")} as _valid_from, 'lead' as lifecyclestage,
            from companies
            union all
            select w.company_id, {_ms("greatest(w.won_at, c.created_at)")}, 'customer',
            from first_won as w
            join companies as c using (company_id)
        )

        select
            {COMPANY_ID_BASE} + c.company_id as id,
            c.company_id,
            {_ms("c.created_at")} as created_at,
            v._valid_from,
            c.name, c.domain, c.industry,
            c.employee_count as numberofemployees,
            c.country,
            v.lifecyclestage,
            {_ms("c.created_at")} as createdate,
            v._valid_from as hs_lastmodifieddate,
            false as archived,
        from companies as c
        join versions as v using (company_id)
        order by id, _valid_from
    """


def _contacts() -> str:
    return f"""
        create or replace table {SCHEMA}.contacts as
        with first_send as (
            select person_id, min(sent_at) as sent_at,
            from core.email_sends
            group by all
        ),

        merges as (
            select
                person_id,
                {CONTACT_ID_BASE} + person_id * 10
                    + row_number() over (
                        partition by person_id order by duplicate_created_at, merged_at
                    ) as duplicate_id,
                {_ms("duplicate_created_at")} as duplicate_created_at,
                {_ms("merged_at")} as merged_at,
                duplicate_email_as_typed,
            from core.contact_merges
        ),

        primaries as (
            select
                p.*,
                {_ms("f.mql_at")} as mql_at,
                {_ms("f.sql_at")} as sql_at,
                {_ms("f.opportunity_at")} as opportunity_at,
                {_ms("f.won_at")} as won_at,
                f.owner_id,
                {_ms("least(f.signup_at, s.sent_at, m.first_duplicate_at)")} as created_at,
            from core.people as p
            left join core.funnel as f using (person_id)
            left join first_send as s using (person_id)
            left join (
                select person_id, min(duplicate_created_at) as first_duplicate_at,
                from merges group by all
            ) as m using (person_id)
            where coalesce(f.signup_at, s.sent_at, m.first_duplicate_at) is not null
        ),

        change_times as (
            select person_id, created_at as changed_at from primaries
            union
            select person_id, {_ms("greatest(t, created_at)")}
            from primaries,
                unnest([mql_at, sql_at, opportunity_at, won_at]) as u(t)
            where t is not null
            union
            select person_id, merged_at from merges
        ),

        primary_versions as (
            select
                {CONTACT_ID_BASE} + p.person_id * 10 as id,
                p.person_id,
                p.created_at,
                c.changed_at as _valid_from,
                p.email_as_typed as email,
                case
                    when p.won_at <= c.changed_at then 'customer'
                    when p.opportunity_at <= c.changed_at then 'opportunity'
                    when p.sql_at <= c.changed_at then 'salesqualifiedlead'
                    when p.mql_at <= c.changed_at then 'marketingqualifiedlead'
                    else 'lead'
                end as lifecyclestage,
                case when p.sql_at <= c.changed_at then {OWNER_ID_BASE} + p.owner_id end
                    as hubspot_owner_id,
                p.created_at as hs_lifecyclestage_lead_date,
                case when p.mql_at <= c.changed_at then greatest(p.mql_at, p.created_at) end
                    as hs_lifecyclestage_marketingqualifiedlead_date,
                case when p.sql_at <= c.changed_at then greatest(p.sql_at, p.created_at) end
                    as hs_lifecyclestage_salesqualifiedlead_date,
                case when p.opportunity_at <= c.changed_at
                    then greatest(p.opportunity_at, p.created_at) end
                    as hs_lifecyclestage_opportunity_date,
                case when p.won_at <= c.changed_at then greatest(p.won_at, p.created_at) end
                    as hs_lifecyclestage_customer_date,
                (
                    select string_agg(cast(m.duplicate_id as varchar), ';' order by m.duplicate_id)
                    from merges as m
                    where m.person_id = p.person_id and m.merged_at <= c.changed_at
                ) as hs_merged_object_ids,
                (
                    select string_agg(
                        m.duplicate_id || ':' || epoch_ms(m.merged_at), ';' order by m.duplicate_id
                    )
                    from merges as m
                    where m.person_id = p.person_id and m.merged_at <= c.changed_at
                ) as hs_calculated_merged_vids,
                false as archived,
            from primaries as p
            join change_times as c using (person_id)
        ),

        duplicate_versions as (
            select
                m.duplicate_id as id,
                m.person_id,
                m.duplicate_created_at as created_at,
                v.changed_at as _valid_from,
                m.duplicate_email_as_typed as email,
                'lead' as lifecyclestage,
                cast(null as bigint) as hubspot_owner_id,
                m.duplicate_created_at as hs_lifecyclestage_lead_date,
                cast(null as timestamp) as hs_lifecyclestage_marketingqualifiedlead_date,
                cast(null as timestamp) as hs_lifecyclestage_salesqualifiedlead_date,
                cast(null as timestamp) as hs_lifecyclestage_opportunity_date,
                cast(null as timestamp) as hs_lifecyclestage_customer_date,
                cast(null as varchar) as hs_merged_object_ids,
                cast(null as varchar) as hs_calculated_merged_vids,
                v.archived,
            from merges as m
            join (
                select duplicate_id, duplicate_created_at as changed_at, false as archived,
                from merges
                union all
                select duplicate_id, merged_at, true, from merges
            ) as v using (duplicate_id)
        ),

        versions as (
            select * from primary_versions
            union all
            select * from duplicate_versions
        )

        select
            v.id, v.person_id, v.created_at, v._valid_from,
            v.email,
            p.first_name as firstname,
            p.last_name as lastname,
            p.job_title as jobtitle,
            co.name as company,
            {COMPANY_ID_BASE} + p.company_id as associatedcompanyid,
            v.lifecyclestage,
            v.hubspot_owner_id,
            v.hs_lifecyclestage_lead_date,
            v.hs_lifecyclestage_marketingqualifiedlead_date,
            v.hs_lifecyclestage_salesqualifiedlead_date,
            v.hs_lifecyclestage_opportunity_date,
            v.hs_lifecyclestage_customer_date,
            v.hs_merged_object_ids,
            v.hs_calculated_merged_vids,
            v.created_at as createdate,
            v._valid_from as lastmodifieddate,
            v.archived,
        from versions as v
        join core.people as p using (person_id)
        left join core.companies as co on co.company_id = p.company_id
        order by id, _valid_from
    """


def _deals() -> str:
    return f"""
        create or replace table {SCHEMA}.deals as
        with opportunities as (
            select
                f.person_id, p.company_id, f.owner_id, f.deal_amount,
                {_ms("f.opportunity_at")} as opened_at,
                {_ms("coalesce(f.won_at, f.lost_at)")} as closed_at,
                case when f.won_at is not null then 'closedwon'
                    when f.lost_at is not null then 'closedlost' end as closed_stage,
                p.first_name, p.last_name, co.name as company_name,
            from core.funnel as f
            join core.people as p using (person_id)
            left join core.companies as co on co.company_id = p.company_id
            where f.opportunity_at is not null
        ),

        stages as (
            select person_id, opened_at as _valid_from, 'appointmentscheduled' as dealstage,
            from opportunities
            union all
            select person_id, {
        _ms(
            "coalesce(opened_at + (closed_at - opened_at) / 3, "
            f"opened_at + interval {OPEN_DEAL_QUALIFY_DAYS} day)"
        )
    }, 'qualifiedtobuy'
            from opportunities
            union all
            select person_id, closed_at, closed_stage
            from opportunities
            where closed_at is not null
        )

        select
            {DEAL_ID_BASE} + o.person_id as id,
            o.person_id,
            o.company_id,
            o.opened_at as created_at,
            s._valid_from,
            coalesce(o.company_name, o.first_name || ' ' || o.last_name) || ' - New Business'
                as dealname,
            o.deal_amount as amount,
            s.dealstage,
            '{PIPELINE_ID}' as pipeline,
            'newbusiness' as dealtype,
            case when s.dealstage in ('closedwon', 'closedlost') then s._valid_from
                else o.opened_at + interval 30 day end as closedate,
            {OWNER_ID_BASE} + o.owner_id as hubspot_owner_id,
            o.opened_at as createdate,
            s._valid_from as hs_lastmodifieddate,
            false as archived,
        from opportunities as o
        join stages as s using (person_id)
        order by id, _valid_from
    """


def _associations() -> str:
    return f"""
        create or replace table {SCHEMA}.associations as
        with deals as (
            select distinct id, person_id, company_id, created_at from {SCHEMA}.deals
        ),

        contacts as (
            select distinct id, person_id, created_at from {SCHEMA}.contacts
            where id = {CONTACT_ID_BASE} + person_id * 10
        ),

        companies as (select distinct id, company_id, created_at from {SCHEMA}.companies),

        pairs as (
            select 'deals' as from_type, d.id as from_id, 'contacts' as to_type, c.id as to_id,
                greatest(d.created_at, c.created_at) as created_at,
            from deals as d join contacts as c using (person_id)
            union all
            select 'deals', d.id, 'companies', co.id, greatest(d.created_at, co.created_at),
            from deals as d join companies as co using (company_id)
            union all
            select 'contacts', c.id, 'companies', co.id, greatest(c.created_at, co.created_at),
            from contacts as c
            join core.people as p using (person_id)
            join companies as co on co.company_id = p.company_id
        ),

        types as (
            select * from (values
                ('deals', 'contacts', 3, null),
                ('deals', 'companies', 5, 'Primary'),
                ('deals', 'companies', 341, null),
                ('contacts', 'companies', 1, 'Primary'),
                ('contacts', 'companies', 279, null)
            ) as t(from_type, to_type, type_id, label)
        )

        select p.from_type, p.from_id, p.to_type, p.to_id, t.type_id, t.label, p.created_at,
        from pairs as p
        join types as t using (from_type, to_type)
        order by from_type, to_type, from_id, to_id, type_id
    """


def _pipeline_stages() -> str:
    rows = ", ".join(
        f"('{stage}', '{label}', {order}, {probability}, {str(closed).lower()})"
        for order, (stage, label, probability, closed) in enumerate(PIPELINE_STAGES)
    )
    return f"""
        create or replace table {SCHEMA}.pipeline_stages as
        with born as (
            select coalesce(min(created_at), timestamp '2020-01-01') as changed_at,
            from core.employees
        )

        select
            '{PIPELINE_ID}' as pipeline_id,
            'Sales Pipeline' as pipeline_label,
            s.stage_id, s.label, s.display_order, s.probability, s.is_closed,
            {_ms("born.changed_at")} as created_at,
            {_ms("born.changed_at")} as _valid_from,
        from (values {rows}) as s(stage_id, label, display_order, probability, is_closed),
            born
        order by s.display_order
    """


def _engagements() -> str:
    return f"""
        create or replace table {SCHEMA}.engagements as
        with touches as (
            select person_id, 1 as kind, 'CALL' as type, sql_at as changed_at, owner_id,
                false as has_deal,
            from core.funnel where sql_at is not null
            union all
            select person_id, 2, 'MEETING', opportunity_at, owner_id, true,
            from core.funnel where opportunity_at is not null
        )

        select
            {ENGAGEMENT_ID_BASE} + t.person_id * 10 + t.kind as id,
            t.type,
            {_ms("t.changed_at")} as timestamp,
            {_ms("t.changed_at")} as created_at,
            {_ms("t.changed_at")} as _valid_from,
            {OWNER_ID_BASE} + t.owner_id as owner_id,
            {CONTACT_ID_BASE} + t.person_id * 10 as contact_id,
            {COMPANY_ID_BASE} + p.company_id as company_id,
            case when t.has_deal then {DEAL_ID_BASE} + t.person_id end as deal_id,
            true as active,
        from touches as t
        join core.people as p using (person_id)
        order by id
    """


def _email_campaigns() -> str:
    return f"""
        create or replace table {SCHEMA}.email_campaigns as
        select
            {EMAIL_CAMPAIGN_ID_BASE} + c.email_campaign_id as id,
            {MARKETING_EMAIL_ID_BASE} + c.email_campaign_id as content_id,
            c.name, c.subject,
            count(s.email_send_id) as num_included,
            {_ms("c.sent_at")} as created_at,
            {_ms("c.sent_at")} as _valid_from,
        from core.email_campaigns as c
        left join core.email_sends as s using (email_campaign_id)
        group by all
        order by id
    """


def _uuid(md5_hex: str) -> str:
    """An md5 hex digest laid out as a UUID (HubSpot's email event ids look like UUIDs)."""
    parts = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
    return " || '-' || ".join(f"substr({md5_hex}, {start}, {length})" for start, length in parts)


def _email_events() -> str:
    times = "[s.sent_at, s.delivered_at, s.opened_at, s.clicked_at, s.unsubscribed_at]"
    return f"""
        create or replace table {SCHEMA}.email_events as
        with events as (
            select
                s.email_send_id, s.email_campaign_id, s.person_id, s.sent_at,
                unnest({times}) as changed_at,
                unnest({list(EMAIL_EVENT_TYPES)}) as type,
            from core.email_sends as s
        ),

        hashed as (
            select *,
                md5('hubspot-email-event-' || email_send_id || '-' || type) as h,
                md5('hubspot-email-event-' || email_send_id || '-SENT') as sent_h,
            from events
            where changed_at is not null
        )

        select
            {_uuid("e.h")} as id,
            e.type,
            {_ms("e.changed_at")} as created_at,
            p.email_as_typed as recipient,
            {EMAIL_CAMPAIGN_ID_BASE} + e.email_campaign_id as email_campaign_id,
            {_uuid("e.sent_h")} as sent_by_id,
            {_ms("e.sent_at")} as sent_by_created,
        from hashed as e
        join core.people as p using (person_id)
        order by created_at, id
    """
