"""Reverse ETL: send ``sync_*`` dbt models to the tools the business works in.

``spec`` reads the sync definitions (``syncs/*.yml``); ``diff`` and ``engine`` decide what to
send and keep the checkpoints (plain Python and SQL, no Dagster); ``destinations`` holds one client
per API; ``service`` runs a sync end to end for the CLI and ``assets`` wraps each sync as a
Dagster asset.
"""
