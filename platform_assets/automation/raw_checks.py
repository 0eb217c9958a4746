"""Placeholder while this module is being written (issue 6)."""

import dagster as dg

defs = dg.Definitions()
