"""Stripe's view of the world: the billing objects a B2B SaaS company's Stripe account holds.

Built from ``core`` into schema ``src_stripe`` of the world file. Every table has ``id``,
``created`` and one row per *version* (``_version``, valid from ``_valid_from``): immutable
objects (products, prices, refunds) have one version at ``created``; mutable ones change:

- customers: a person with a subscription; turns ``delinquent`` when an invoice goes
  uncollectible;
- subscriptions: one version per ``core.subscription_versions`` row (price, quantity, status),
  with the single subscription item the version bills;
- invoices: ``open`` at creation, then ``paid`` at ``paid_at``, or ``void``/``uncollectible``
  :data:`SETTLE_AFTER_DAYS` days after creation; each carries its one line item;
- charges: one per paid invoice at payment time; ``amount_refunded`` grows with each refund.

``events`` has one Stripe event per version (``customer.created``, ``invoice.paid``, ...), which
is how Stripe connectors see changes. Ids carry the real prefixes (``cus_``, ``sub_``, ``in_``,
...): the generator's own id where it already is one, else a hash of the core id, so they are
stable for a seed. Times are cut to whole seconds, as Stripe reports them, so "created <= clock"
and "created > cursor" never split a second.
"""

from __future__ import annotations

import duckdb

SCHEMA = "src_stripe"

SETTLE_AFTER_DAYS = 14
"""Days after creation at which an unpaid invoice ends ``void`` or ``uncollectible``."""

TABLES = ("customers", "products", "prices", "subscriptions", "invoices", "charges", "refunds")
"""Object tables (each with id, created, _version, _valid_from, _event_type)."""


def stripe_id(prefix: str, key_sql: str, length: int = 24) -> str:
    """SQL for a Stripe-looking id: the core id when it already is one (``sub_...``), else
    ``<prefix>_`` + a hash of the core key (stable per seed)."""
    key = f"({key_sql})::varchar"
    hashed = f"'{prefix}_' || substr(md5('{prefix}:' || {key}), 1, {length})"
    return f"(case when starts_with({key}, '{prefix}_') then {key} else {hashed} end)"


def _sec(expr: str) -> str:
    return f"date_trunc('second', {expr})"


def _if_canceled(core_time: str) -> str:
    # A canceled version shows the core cancel/end time, never one later than the version itself
    # (a subscription that churned, came back and churned again shows each churn's own time).
    return (
        f"case when status = 'canceled' "
        f"then least(coalesce({core_time}, changed_at), changed_at) end"
    )


def _statements() -> list[str]:
    s = SCHEMA
    return [
        f"drop schema if exists {s} cascade",
        f"create schema {s}",
        f"""
        create table {s}.products as
        select
            {stripe_id("prod", "product_id", 14)} as id,
            {_sec("min(created_at)")} as created,
            any_value(product_name order by price_id) as name,
            1 as _version,
            {_sec("min(created_at)")} as _valid_from,
            'product.created' as _event_type
        from core.prices
        group by product_id
        order by id
        """,
        f"""
        create table {s}.prices as
        select
            {stripe_id("price", "price_id")} as id,
            {stripe_id("prod", "product_id", 14)} as product_id,
            nickname,
            unit_amount_cents as unit_amount,
            lower(currency) as currency,
            recurring_interval,
            interval_count,
            {_sec("created_at")} as created,
            1 as _version,
            {_sec("created_at")} as _valid_from,
            'price.created' as _event_type
        from core.prices
        order by id
        """,
        # Invoice versions: open at creation, then settled (paid / void / uncollectible).
        f"""
        create temp table invoice_versions as
        with invoices as (
            select
                i.*,
                case
                    when i.status = 'paid' then coalesce(i.paid_at, i.created_at)
                    when i.status in ('void', 'uncollectible')
                        then i.created_at + interval {SETTLE_AFTER_DAYS} day
                end as settled_at
            from core.invoices as i
        )
        select
            *,
            1 as _version,
            created_at as valid_from,
            case when settled_at <= created_at then status else 'open' end as version_status
        from invoices
        union all
        select *, 2, settled_at, status
        from invoices
        where settled_at > created_at
        """,
        f"""
        create table {s}.customers as
        with customer as (
            select
                p.person_id,
                min(sub.created_at) as created_at,
                any_value(p.email_as_typed) as email,
                any_value(p.first_name || ' ' || p.last_name) as name,
                any_value(p.country) as country,
                any_value(p.user_id) as user_id
            from core.subscriptions as sub
            inner join core.people as p on sub.person_id = p.person_id
            group by p.person_id
        ),
        delinquent as (
            select person_id, min(valid_from) as delinquent_at
            from invoice_versions
            where version_status = 'uncollectible'
            group by person_id
        ),
        versions as (
            select c.*, 1 as _version, c.created_at as valid_from, false as delinquent
            from customer as c
            union all
            select c.*, 2, greatest(d.delinquent_at, c.created_at), true
            from customer as c
            inner join delinquent as d on c.person_id = d.person_id
        )
        select
            {stripe_id("cus", "person_id", 14)} as id,
            person_id,
            {_sec("created_at")} as created,
            email,
            name,
            country,
            user_id,
            delinquent,
            upper(substr(md5('prefix:' || person_id::varchar), 1, 8)) as invoice_prefix,
            _version,
            {_sec("valid_from")} as _valid_from,
            case when _version = 1 then 'customer.created' else 'customer.updated' end
                as _event_type
        from versions
        order by id, _version
        """,
        f"""
        create table {s}.subscriptions as
        with versions as (
            select
                v.*,
                sub.person_id,
                sub.created_at,
                sub.canceled_at as sub_canceled_at,
                sub.ended_at as sub_ended_at,
                coalesce(v.subscription_item_id, v.subscription_id || ':item') as item_key,
                pr.interval_count * case pr.recurring_interval when 'year' then 12 else 1 end
                    as period_months,
                date_diff('month', sub.created_at, v.changed_at) as raw_months
            from core.subscription_versions as v
            inner join core.subscriptions as sub on v.subscription_id = sub.subscription_id
            left join core.prices as pr on v.price_id = pr.price_id
        ),
        periods as (
            select
                *,
                greatest(
                    raw_months - case
                        when created_at + to_months(raw_months) > changed_at then 1 else 0
                    end,
                    0
                ) // greatest(coalesce(period_months, 1), 1) * coalesce(period_months, 1)
                    as months_into_period_start,
                min(changed_at) over (partition by item_key) as item_created_at,
                row_number() over (partition by subscription_id order by version, changed_at)
                    as _version
            from versions
        )
        select
            {stripe_id("sub", "subscription_id")} as id,
            {stripe_id("cus", "person_id", 14)} as customer_id,
            {_sec("created_at")} as created,
            status,
            {stripe_id("price", "price_id")} as price_id,
            quantity,
            {stripe_id("si", "item_key", 14)} as item_id,
            {_sec("item_created_at")} as item_created,
            {_sec(_if_canceled("sub_canceled_at"))} as canceled_at,
            {_sec(_if_canceled("sub_ended_at"))} as ended_at,
            {_sec("created_at + to_months(months_into_period_start)")} as current_period_start,
            {_sec("created_at + to_months(months_into_period_start + period_months)")}
                as current_period_end,
            change_type,
            _version,
            {_sec("greatest(changed_at, created_at)")} as _valid_from,
            case
                when _version = 1 then 'customer.subscription.created'
                when status = 'canceled' then 'customer.subscription.deleted'
                else 'customer.subscription.updated'
            end as _event_type
        from periods
        order by id, _version
        """,
        f"""
        create table {s}.invoices as
        with versions as (
            select
                v.*,
                dense_rank() over (partition by person_id order by created_at, invoice_id)
                    as customer_seq
            from invoice_versions as v
        ),
        items as (
            select subscription_id, changed_at, subscription_item_id
            from core.subscription_versions
        )
        select
            {stripe_id("in", "v.invoice_id")} as id,
            {stripe_id("cus", "v.person_id", 14)} as customer_id,
            {stripe_id("sub", "v.subscription_id")} as subscription_id,
            {_sec("v.created_at")} as created,
            {_sec("v.period_start")} as period_start,
            {_sec("v.period_end")} as period_end,
            v.amount_due_cents as amount_due,
            case when v.version_status = 'paid' then v.amount_paid_cents else 0 end
                as amount_paid,
            v.version_status as status,
            {_sec("case when v.version_status = 'paid' then v.valid_from end")} as paid_at,
            {_sec("case when v.version_status = 'void' then v.valid_from end")} as voided_at,
            {_sec("case when v.version_status = 'uncollectible' then v.valid_from end")}
                as marked_uncollectible_at,
            upper(substr(md5('prefix:' || v.person_id::varchar), 1, 8))
                || '-' || lpad(v.customer_seq::varchar, 4, '0') as number,
            case when v.version_status = 'paid' then {stripe_id("ch", "v.invoice_id")} end
                as charge_id,
            {stripe_id("il", "v.invoice_id")} as line_id,
            {stripe_id("price", "v.price_id")} as price_id,
            v.quantity,
            {stripe_id("si", "coalesce(it.subscription_item_id, v.subscription_id || ':item')", 14)}
                as subscription_item_id,
            v._version,
            {_sec("v.valid_from")} as _valid_from,
            case
                when v._version = 1 then 'invoice.created'
                when v.version_status = 'paid' then 'invoice.paid'
                when v.version_status = 'void' then 'invoice.voided'
                else 'invoice.marked_uncollectible'
            end as _event_type
        from versions as v
        asof left join items as it
            on v.subscription_id = it.subscription_id and v.created_at >= it.changed_at
        order by id, v._version
        """,
        """
        create temp table paid_invoices as
        select
            i.invoice_id,
            i.person_id,
            i.amount_paid_cents,
            coalesce(i.paid_at, i.created_at) as paid_at
        from core.invoices as i
        where i.status = 'paid'
        """,
        f"""
        create table {s}.refunds as
        select
            {stripe_id("re", "r.refund_id")} as id,
            {stripe_id("ch", "r.invoice_id")} as charge_id,
            {stripe_id("pi", "r.invoice_id")} as payment_intent_id,
            r.amount_cents as amount,
            case
                when r.reason in ('duplicate', 'fraudulent', 'requested_by_customer')
                    then r.reason
                else 'requested_by_customer'
            end as reason,
            {_sec("greatest(r.created_at, p.paid_at)")} as created,
            1 as _version,
            {_sec("greatest(r.created_at, p.paid_at)")} as _valid_from,
            'refund.created' as _event_type
        from core.refunds as r
        inner join paid_invoices as p on r.invoice_id = p.invoice_id
        order by id
        """,
        f"""
        create table {s}.charges as
        with refunds as (
            select
                charge_id,
                _valid_from,
                sum(amount) over (partition by charge_id order by _valid_from, id)
                    as amount_refunded,
                row_number() over (partition by charge_id order by _valid_from, id) + 1
                    as _version
            from {s}.refunds
        ),
        charges as (
            select
                {stripe_id("ch", "p.invoice_id")} as id,
                {stripe_id("in", "p.invoice_id")} as invoice_id,
                {stripe_id("cus", "p.person_id", 14)} as customer_id,
                {stripe_id("pi", "p.invoice_id")} as payment_intent_id,
                {_sec("p.paid_at")} as created,
                p.amount_paid_cents as amount
            from paid_invoices as p
        )
        select
            c.*, 0::bigint as amount_refunded, 1 as _version, c.created as _valid_from,
            'charge.succeeded' as _event_type
        from charges as c
        union all
        select c.*, r.amount_refunded, r._version, r._valid_from, 'charge.refunded'
        from charges as c
        inner join refunds as r on c.id = r.charge_id
        order by id, _version
        """,
        f"""
        create table {s}.events as
        with versions as (
            {
            " union all ".join(
                f"select id as object_id, _version as object_version, '{t}' as object_table,"
                f" _event_type as type, _valid_from as created from {s}.{t}"
                for t in TABLES
            )
        }
        )
        select {stripe_id("evt", "object_id || ':' || object_version")} as id, *
        from versions
        order by created, object_id, object_version
        """,
        "drop table invoice_versions",
        "drop table paid_invoices",
    ]


def project(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create schema ``src_stripe`` from ``core``; deterministic for a given core."""
    for statement in _statements():
        con.execute(statement)
