"""Word lists the world draws names, titles and pages from (data only)."""

FIRST_NAMES = (
    "Ada Alan Alex Amara Ana Arjun Ben Bianca Carla Chen Chloe Dan Daria Elena Emma Erik Fatima "
    "Felix Grace Hana Hugo Ines Ivan Jana Javier Jonas Julia Kai Kenji Lara Leo Lina Lucas Maya "
    "Mei Mia Nadia Noah Nora Olga Omar Paula Pedro Priya Rafael Rosa Sam Sara Sofia Tariq Theo "
    "Uma Victor Wei Yara Yusuf Zoe"
).split()

LAST_NAMES = (
    "Adams Alvarez Berg Brown Chen Costa Dubois Eriksen Fischer Garcia Gupta Hansen Ito Jensen "
    "Khan Kim Kowalski Larsen Lee Lopez Martin Meyer Moreau Mueller Nakamura Nguyen Novak "
    "Okafor Olsen Patel Perez Petrov Rossi Sato Schmidt Silva Smith Suzuki Tanaka Taylor "
    "Walker Wang Weber Williams Wilson Yamamoto Young Zhang"
).split()

COMPANY_HEADS = (
    "Acme Apex Arc Atlas Blue Bright Cedar Cloud Core Crest Delta Echo Ever Falcon Flux Forge "
    "Granite Harbor Helix Iron Lumen Maple Meridian Nimbus North Nova Oak Orbit Peak Pine Prism "
    "Quant River Sage Signal Silver Summit Terra Vector Vertex Willow Zenith"
).split()

COMPANY_TAILS = (
    "Analytics Labs Systems Health Logistics Capital Retail Foods Media Robotics Energy Bank "
    "Software Studios Networks Partners Works Group Mobility Learning"
).split()

INDUSTRIES = (
    "software",
    "financial_services",
    "retail",
    "healthcare",
    "manufacturing",
    "media",
    "education",
    "logistics",
)

COUNTRIES = ("US", "GB", "DE", "FR", "NL", "CA", "ES", "SE", "IN", "BR", "AU", "JP")
COUNTRY_WEIGHTS = (0.34, 0.12, 0.1, 0.07, 0.05, 0.06, 0.04, 0.03, 0.07, 0.05, 0.04, 0.03)

JOB_TITLES = (
    "Data Analyst",
    "Analytics Engineer",
    "Head of Data",
    "Marketing Manager",
    "Growth Lead",
    "VP Marketing",
    "CTO",
    "Software Engineer",
    "Product Manager",
    "Founder",
    "Operations Manager",
    "Data Engineer",
)

FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "proton.me")

# Site pages: path, title. The first few are landing pages.
PAGES = (
    ("/", "Roundtrip Cloud – the customer data platform"),
    ("/pricing", "Pricing – Roundtrip Cloud"),
    ("/product", "Product – Roundtrip Cloud"),
    ("/features/identity", "Identity resolution – Roundtrip Cloud"),
    ("/features/activation", "Reverse ETL – Roundtrip Cloud"),
    ("/customers", "Customers – Roundtrip Cloud"),
    ("/blog/what-is-a-cdp", "What is a CDP? – Roundtrip blog"),
    ("/blog/attribution-models", "Attribution models explained – Roundtrip blog"),
    ("/blog/dbt-for-marketing", "dbt for marketing teams – Roundtrip blog"),
    ("/docs/getting-started", "Getting started – Roundtrip docs"),
    ("/docs/sources", "Sources – Roundtrip docs"),
    ("/integrations", "Integrations – Roundtrip Cloud"),
    ("/about", "About us – Roundtrip Cloud"),
    ("/demo", "Book a demo – Roundtrip Cloud"),
)
PAGE_WEIGHTS = (0.16, 0.13, 0.1, 0.06, 0.06, 0.06, 0.08, 0.07, 0.05, 0.07, 0.04, 0.05, 0.03, 0.04)
SITE = "https://www.roundtrip.example"

REFERRAL_SITES = (
    "https://news.ycombinator.com/",
    "https://www.g2.com/products/roundtrip",
    "https://www.reddit.com/r/dataengineering/",
    "https://www.producthunt.com/posts/roundtrip",
    "https://medium.com/@datateam/cdp-review",
)
AFFILIATES = ("partnerstack", "impact", "capterra", "getapp")
SEARCH_TERMS = (
    "customer data platform",
    "reverse etl",
    "identity resolution",
    "marketing attribution",
    "segment alternative",
    "warehouse native cdp",
)

PRODUCT_EVENTS = (
    "dashboard_viewed",
    "query_run",
    "report_created",
    "source_connected",
    "sync_created",
    "member_invited",
    "export_downloaded",
)
PRODUCT_EVENT_WEIGHTS = (0.32, 0.28, 0.12, 0.06, 0.08, 0.04, 0.1)

TICKET_SUBJECTS = (
    "Sync failing with 429 errors",
    "How do I connect HubSpot?",
    "Invoice question",
    "Identity graph merges two users",
    "Request: Snowflake destination",
    "Cannot invite a teammate",
    "Dashboard is slow",
    "Billing: change plan",
)
