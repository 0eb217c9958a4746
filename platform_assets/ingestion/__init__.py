"""The raw layer: one module per source system, each landing tables in ``raw_<source>``."""
