"""Analytics layer: Python models over the marts, written to the warehouse's ``analytics`` schema.

- ``attribution/``: a pure library (no Dagster) of multi-touch attribution models.
- the asset modules beside it wrap the library and lead scoring as Dagster assets; the
  definitions load every asset and asset check found in this package.
"""
