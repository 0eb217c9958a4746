"""The core timeline of the synthetic world: the tables the generator writes to schema ``core``.

These are facts about the company's world, not any SaaS tool's view of it. Each source
projection (``sandbox/world/sources/<source>.py``) turns them into that tool's own objects in
schema ``src_<source>``; the fake APIs and the landing-file writer serve those, filtered to the
world clock. Timestamps are UTC ``TIMESTAMP`` (naive = UTC). Ids are deterministic for a seed.

The generator writes the whole horizon at once (history + future); rows whose time is after the
clock exist in the file but are invisible until ``world advance`` moves the clock past them.
"""

CORE_TABLES: dict[str, str] = {
    # A B2B company that people work at.
    "companies": """
        company_id BIGINT PRIMARY KEY, name VARCHAR, domain VARCHAR, industry VARCHAR,
        employee_count INTEGER, country VARCHAR, created_at TIMESTAMP
    """,
    # One real human. email is canonical (lower, trimmed); email_as_typed carries the identity
    # noise (case/whitespace variants) that sources show. user_id is the product's user id,
    # assigned at signup (null for people who never sign up).
    "people": """
        person_id BIGINT PRIMARY KEY, company_id BIGINT, first_name VARCHAR, last_name VARCHAR,
        email VARCHAR, email_as_typed VARCHAR, job_title VARCHAR, country VARCHAR,
        first_seen_at TIMESTAMP, user_id VARCHAR, first_channel VARCHAR
    """,
    # Devices (anonymous ids). A shared device has rows for more than one person.
    "devices": """
        anonymous_id VARCHAR, person_id BIGINT, device_type VARCHAR, os VARCHAR,
        browser VARCHAR, is_shared BOOLEAN, clock_skew_seconds INTEGER
    """,
    # One web visit. channel is the true channel (one of CHANNELS); utm_*/gclid/fbclid/referrer
    # are what the landing URL and browser carried. ad_platform/ad_* link paid visits to ads.
    "sessions": """
        session_id BIGINT PRIMARY KEY, person_id BIGINT, anonymous_id VARCHAR,
        started_at TIMESTAMP, channel VARCHAR, utm_source VARCHAR, utm_medium VARCHAR,
        utm_campaign VARCHAR, utm_content VARCHAR, utm_term VARCHAR, gclid VARCHAR,
        fbclid VARCHAR, referrer VARCHAR, landing_url VARCHAR, ad_platform VARCHAR,
        ad_campaign_id BIGINT, ad_group_id BIGINT, ad_id BIGINT, email_send_id BIGINT
    """,
    # Page views. occurred_at is the true time; sent_at carries the device's clock skew;
    # received_at is when the CDP got it (late-arriving events have received_at days later).
    # A duplicated delivery is a second row with the same message_id.
    "pageviews": """
        message_id VARCHAR, session_id BIGINT, person_id BIGINT, anonymous_id VARCHAR,
        user_id VARCHAR, occurred_at TIMESTAMP, sent_at TIMESTAMP, received_at TIMESTAMP,
        url VARCHAR, path VARCHAR, title VARCHAR, referrer VARCHAR, search VARCHAR
    """,
    # Track events of the event stream: signed_up, demo_requested, trial_started,
    # workspace_created, nps_survey_submitted (properties.score 0-10) and others.
    # properties is a JSON object (VARCHAR holding JSON). Same timing/duplicate rules as pageviews.
    "track_events": """
        message_id VARCHAR, person_id BIGINT, anonymous_id VARCHAR, user_id VARCHAR,
        event VARCHAR, occurred_at TIMESTAMP, sent_at TIMESTAMP, received_at TIMESTAMP,
        session_id BIGINT, properties VARCHAR
    """,
    # identify() calls: an anonymous id tied to a user id and traits (JSON; email as typed).
    "identifies": """
        message_id VARCHAR, person_id BIGINT, anonymous_id VARCHAR, user_id VARCHAR,
        occurred_at TIMESTAMP, sent_at TIMESTAMP, received_at TIMESTAMP, traits VARCHAR
    """,
    # Product usage (what Amplitude records), for people who signed up.
    "product_events": """
        event_id BIGINT, person_id BIGINT, user_id VARCHAR, device_id VARCHAR,
        event_type VARCHAR, occurred_at TIMESTAMP, amplitude_session_id BIGINT,
        platform VARCHAR, country VARCHAR, event_properties VARCHAR
    """,
    # The funnel, one row per person who reached at least signup (null = never reached).
    # lost_at is set when an opportunity was lost. deal_amount in currency units.
    "funnel": """
        person_id BIGINT PRIMARY KEY, signup_at TIMESTAMP, mql_at TIMESTAMP, sql_at TIMESTAMP,
        opportunity_at TIMESTAMP, won_at TIMESTAMP, lost_at TIMESTAMP, deal_amount DOUBLE,
        owner_id BIGINT, converting_channel VARCHAR
    """,
    # The company's staff, by role: sales reps (HubSpot owners), support agents (Zendesk
    # agents, the assignees of tickets) and marketers.
    "employees": """
        employee_id BIGINT PRIMARY KEY, first_name VARCHAR, last_name VARCHAR, email VARCHAR,
        role VARCHAR, created_at TIMESTAMP
    """,
    # HubSpot merged contacts: a duplicate contact created for a person and later merged.
    "contact_merges": """
        person_id BIGINT, duplicate_created_at TIMESTAMP, merged_at TIMESTAMP,
        duplicate_email_as_typed VARCHAR
    """,
    # Marketing emails: campaigns and per-recipient sends with open/click times (null = none).
    "email_campaigns": """
        email_campaign_id BIGINT PRIMARY KEY, name VARCHAR, subject VARCHAR, sent_at TIMESTAMP
    """,
    "email_sends": """
        email_send_id BIGINT PRIMARY KEY, email_campaign_id BIGINT, person_id BIGINT,
        sent_at TIMESTAMP, delivered_at TIMESTAMP, opened_at TIMESTAMP, clicked_at TIMESTAMP,
        unsubscribed_at TIMESTAMP
    """,
    # Catalogue: products and prices (amounts in cents; interval month|year).
    "prices": """
        price_id VARCHAR PRIMARY KEY, product_id VARCHAR, product_name VARCHAR,
        nickname VARCHAR, unit_amount_cents BIGINT, currency VARCHAR, recurring_interval VARCHAR,
        interval_count INTEGER, created_at TIMESTAMP
    """,
    # Subscriptions and every change to them (one row per version, valid from changed_at):
    # change_type in (new, expansion, contraction, churn, reactivation).
    "subscriptions": """
        subscription_id VARCHAR PRIMARY KEY, person_id BIGINT, company_id BIGINT,
        created_at TIMESTAMP, canceled_at TIMESTAMP, ended_at TIMESTAMP
    """,
    "subscription_versions": """
        subscription_id VARCHAR, version INTEGER, changed_at TIMESTAMP, change_type VARCHAR,
        status VARCHAR, price_id VARCHAR, quantity INTEGER, subscription_item_id VARCHAR
    """,
    # Invoices (amounts in cents) with status paid|open|void|uncollectible; refunds against charges.
    "invoices": """
        invoice_id VARCHAR PRIMARY KEY, subscription_id VARCHAR, person_id BIGINT,
        created_at TIMESTAMP, period_start TIMESTAMP, period_end TIMESTAMP,
        amount_due_cents BIGINT, amount_paid_cents BIGINT, status VARCHAR, paid_at TIMESTAMP,
        price_id VARCHAR, quantity INTEGER
    """,
    "refunds": """
        refund_id VARCHAR PRIMARY KEY, invoice_id VARCHAR, amount_cents BIGINT,
        created_at TIMESTAMP, reason VARCHAR
    """,
    # Support: tickets with their status changes (one row per version) and CSAT rating.
    "tickets": """
        ticket_id BIGINT PRIMARY KEY, person_id BIGINT, company_id BIGINT, created_at TIMESTAMP,
        subject VARCHAR, priority VARCHAR, ticket_type VARCHAR, via_channel VARCHAR,
        assignee_id BIGINT, solved_at TIMESTAMP, satisfaction VARCHAR, satisfaction_at TIMESTAMP
    """,
    "ticket_versions": """
        ticket_id BIGINT, changed_at TIMESTAMP, status VARCHAR, satisfaction_score VARCHAR
    """,
    # Paid media: the campaign tree and daily delivery per ad (spend in currency units).
    # status is a campaign's final one: active, or paused/removed once it stopped delivering
    # (the midnight after its last day in ad_daily; the ad platforms' projections date it so).
    "ad_campaigns": """
        ad_platform VARCHAR, ad_campaign_id BIGINT, name VARCHAR, channel VARCHAR,
        objective VARCHAR, created_at TIMESTAMP, status VARCHAR
    """,
    "ad_groups": """
        ad_platform VARCHAR, ad_group_id BIGINT, ad_campaign_id BIGINT, name VARCHAR,
        created_at TIMESTAMP
    """,
    "ads": """
        ad_platform VARCHAR, ad_id BIGINT, ad_group_id BIGINT, ad_campaign_id BIGINT,
        name VARCHAR, headline VARCHAR, final_url VARCHAR, created_at TIMESTAMP
    """,
    "ad_daily": """
        ad_platform VARCHAR, ad_id BIGINT, date DATE, impressions BIGINT, clicks BIGINT,
        spend DOUBLE
    """,
    # The conversions the ad platforms claim: one row per ad click (paid session) whose person
    # signed up within 28 days after it, dated by the click and stamped with the signup. A
    # platform reports a day's conversions as known at the time it is asked (converted_at up to
    # its clock), so recent days grow as their conversions happen.
    "ad_conversions": """
        ad_platform VARCHAR, ad_id BIGINT, click_date DATE, converted_at TIMESTAMP
    """,
    # Planning numbers people keep in Google Sheets.
    "budgets": """
        month DATE, channel VARCHAR, budget DOUBLE
    """,
    "targets": """
        month DATE, metric VARCHAR, target DOUBLE
    """,
    # The product's own app data (what the Firestore export shows).
    "workspaces": """
        workspace_id VARCHAR PRIMARY KEY, owner_person_id BIGINT, name VARCHAR, plan VARCHAR,
        created_at TIMESTAMP, updated_at TIMESTAMP
    """,
    "workspace_members": """
        workspace_id VARCHAR, person_id BIGINT, role VARCHAR, joined_at TIMESTAMP
    """,
    # Added: a workspace's plan over time (free → the plan its people pay for → free on churn).
    # workspaces.plan/updated_at above are the state at creation; this table has every change.
    "workspace_versions": """
        workspace_id VARCHAR, changed_at TIMESTAMP, plan VARCHAR
    """,
}

CHANNELS: tuple[str, ...] = (
    "paid_search",
    "paid_social",
    "organic_search",
    "email",
    "referral",
    "direct",
    "display",
    "video",
    "sms",
    "affiliates",
)

# Written by the generator to schema sandbox_truth; no model reads it (it grades attribution).
TRUTH_TABLES: dict[str, str] = {
    "channel_lift": """
        channel VARCHAR, lift DOUBLE, baseline_conversion_rate DOUBLE, description VARCHAR
    """,
    "world_config": """
        key VARCHAR, value VARCHAR
    """,
}
