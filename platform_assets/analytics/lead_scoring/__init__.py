"""Lead scoring: P(a known, not-yet-paying person pays a first invoice within N days).

- ``features``: point-in-time rows in DuckDB SQL (population, label, features at a time t).
- ``model``: the time-based split, the two calibrated candidates, metrics, versioned saving.
- ``assets``: the Dagster assets (model with its validation check, scores).
"""
