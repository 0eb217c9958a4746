{#-
    Website page views, one row per message id, ready for sessionisation. Delivery is at least
    once, so a message that landed twice keeps its first receipt (staging already does this; it
    is repeated here because sessions must never count a redelivery twice). occurred_at is
    RudderStack's `timestamp`: the device's time corrected for its clock skew (receivedAt -
    (sentAt - originalTimestamp)), so a device whose clock is hours off still sessionises on the
    server's clock, and a late-arriving event still falls in the session it happened in.
    The hosts of the page and of the referrer are parsed once here (lower case, without a
    leading www.) so sessions can tell an outside referrer from a click inside the site.
-#}
with

pages as (

    select
        message_id,
        anonymous_id,
        user_id,
        occurred_at,
        received_at,
        page_url,
        page_path,
        page_title,
        referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        gclid,
        fbclid,
        nullif(
            regexp_replace(
                regexp_extract(lower(page_url), '^[a-z][a-z0-9+.-]*://([^/:?#]+)', 1),
                '^www\.',
                ''
            ),
            ''
        ) as page_host,
        nullif(
            regexp_replace(
                regexp_extract(lower(referrer), '^[a-z][a-z0-9+.-]*://([^/:?#]+)', 1),
                '^www\.',
                ''
            ),
            ''
        ) as referrer_host
    from {{ ref('stg_events__pages') }}

),

deduped as (

    {{ dedupe_messages('pages') }}

)

select
    message_id,
    anonymous_id,
    user_id,
    occurred_at,
    received_at,
    page_url,
    page_path,
    page_title,
    page_host,
    referrer,
    referrer_host,
    coalesce(referrer_host = page_host, false) as is_internal_referrer,
    utm_source,
    utm_medium,
    utm_campaign,
    utm_content,
    utm_term,
    gclid,
    fbclid
from deduped
