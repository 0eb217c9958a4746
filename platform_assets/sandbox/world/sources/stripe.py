"""Stripe's view of the world: the billing objects a B2B SaaS company's Stripe account holds.

Built from ``core`` into schema ``src_stripe`` of the world file. Every table has ``id``,
``created`` and one row per *version* (``_version``, valid from ``_valid_from``): immutable
objects (products, prices, refunds) have one version at ``created``; mutable ones change:

- customers: a person with a subscription; turns ``delinquent`` when an invoice goes
  uncollectible;
- subscriptions: one version per ``core.subscription_versions`` row (price, quantity, status),
  with the single subscription item the version bills, plus one at each renewal (the billing
  anchor + k intervals), where the current period moves on, as Stripe's does. A canceled
  subscription stays canceled: a core reactivation starts a new Stripe subscription (new
  ``sub_``/``si_`` ids, its own created time and anchor), and its invoices bill that one;
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


def _stretch_id(prefix: str, key_sql: str, stretch_sql: str, length: int) -> str:
    """SQL for the id of a subscription (or its item) in stretch ``stretch_sql`` of its core
    subscription: the first keeps :func:`stripe_id`, a reactivation gets a new id."""
    fresh = (
        f"'{prefix}_' || substr(md5('{prefix}:' || ({key_sql})::varchar || ':' || "
        f"({stretch_sql})::varchar), 1, {length})"
    )
    first = stripe_id(prefix, key_sql, length)
    return f"(case when {stretch_sql} = 1 then {first} else {fresh} end)"


BILLING_TIMES = (
    "select max(created_at) as t from core.invoices"
    " union all select max(changed_at) from core.subscription_versions"
)
"""The world's billing timeline ends at its last invoice or subscription change: subscriptions
renew up to there, inclusive (whatever lies past it, the world has not decided)."""


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
        # Each run of a core subscription from its start or a reactivation to its cancellation
        # is one Stripe subscription (a canceled one never comes back), renewed at every period
        # boundary (anchor + k intervals) until it ends or the world's billing timeline does.
        f"""
        create temp table sub_versions as
        with versions as (
            select
                v.*,
                sub.person_id,
                sub.created_at as sub_created_at,
                sub.canceled_at as sub_canceled_at,
                sub.ended_at as sub_ended_at,
                coalesce(v.subscription_item_id, v.subscription_id || ':item') as item_key,
                coalesce(
                    lag(v.status) over (
                        partition by v.subscription_id order by v.version, v.changed_at
                    ) = 'canceled' and v.status <> 'canceled',
                    false
                ) as restarts
            from core.subscription_versions as v
            inner join core.subscriptions as sub on v.subscription_id = sub.subscription_id
        ),
        stretched as (
            select
                *,
                1 + count_if(restarts) over (
                    partition by subscription_id order by version, changed_at
                    rows between unbounded preceding and current row
                ) as stretch
            from versions
        ),
        stretches as (
            select
                s.subscription_id,
                s.stretch,
                case
                    when s.stretch = 1 then any_value(s.sub_created_at) else min(s.changed_at)
                end as started_at,
                min(s.changed_at) filter (where s.status = 'canceled') as canceled_at,
                (select max(t) from ({BILLING_TIMES})) as horizon,
                any_value(
                    pr.interval_count * case pr.recurring_interval when 'year' then 12 else 1 end
                ) as period_months
            from stretched as s
            left join core.prices as pr on s.price_id = pr.price_id
            group by s.subscription_id, s.stretch
        ),
        boundaries as (
            select
                st.subscription_id,
                st.stretch,
                st.started_at + to_months(k * st.period_months) as changed_at
            from stretches as st,
                unnest(
                    generate_series(
                        1,
                        date_diff('month', st.started_at, coalesce(st.canceled_at, st.horizon))
                        // st.period_months + 1,
                    )
                ) as g (k)
            where st.period_months > 0
        ),
        renewals as (
            select
                v.* replace (b.changed_at as changed_at, 'renewal' as change_type),
                true as renewal
            from boundaries as b
            inner join stretches as st
                on b.subscription_id = st.subscription_id and b.stretch = st.stretch
            asof inner join stretched as v
                on b.subscription_id = v.subscription_id
                and b.stretch = v.stretch
                and b.changed_at >= v.changed_at
            where coalesce(b.changed_at < st.canceled_at, b.changed_at <= st.horizon)
                and not exists (
                    select 1 from stretched as same
                    where same.subscription_id = b.subscription_id
                        and same.changed_at = b.changed_at
                )
        ),
        all_versions as (
            select *, false as renewal from stretched
            union all
            select * from renewals
        )
        select
            v.*,
            st.started_at,
            st.period_months,
            date_diff('month', st.started_at, v.changed_at) as raw_months,
            {_stretch_id("sub", "v.subscription_id", "v.stretch", 24)} as id,
            {_stretch_id("si", "v.item_key", "v.stretch", 14)} as item_id
        from all_versions as v
        inner join stretches as st
            on v.subscription_id = st.subscription_id and v.stretch = st.stretch
        """,
        f"""
        create table {s}.subscriptions as
        with periods as (
            select
                *,
                greatest(
                    raw_months - case
                        when started_at + to_months(raw_months) > changed_at then 1 else 0
                    end,
                    0
                ) // greatest(coalesce(period_months, 1), 1) * coalesce(period_months, 1)
                    as months_into_period_start,
                min(changed_at) over (partition by item_id) as item_created_at,
                row_number() over (partition by id order by changed_at, renewal, version)
                    as _version
            from sub_versions
        )
        select
            id,
            {stripe_id("cus", "person_id", 14)} as customer_id,
            {_sec("started_at")} as created,
            status,
            {stripe_id("price", "price_id")} as price_id,
            quantity,
            item_id,
            {_sec("item_created_at")} as item_created,
            {_sec(_if_canceled("sub_canceled_at"))} as canceled_at,
            {_sec(_if_canceled("sub_ended_at"))} as ended_at,
            {_sec("started_at + to_months(months_into_period_start)")} as current_period_start,
            {_sec("started_at + to_months(months_into_period_start + period_months)")}
                as current_period_end,
            change_type,
            _version,
            {_sec("greatest(changed_at, started_at)")} as _valid_from,
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
        subs as (
            select subscription_id, changed_at, id, item_id from sub_versions
        )
        select
            {stripe_id("in", "v.invoice_id")} as id,
            {stripe_id("cus", "v.person_id", 14)} as customer_id,
            coalesce(sub.id, {stripe_id("sub", "v.subscription_id")}) as subscription_id,
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
            coalesce(sub.item_id, {stripe_id("si", "v.subscription_id || ':item'", 14)})
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
        asof left join subs as sub
            on v.subscription_id = sub.subscription_id and v.created_at >= sub.changed_at
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
        "drop table sub_versions",
        "drop table paid_invoices",
    ]


def project(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create schema ``src_stripe`` from ``core``; deterministic for a given core."""
    for statement in _statements():
        con.execute(statement)
