"""Placeholder while this module is being written (issue 6)."""

import dagster as dg


def apply(defs: dg.Definitions) -> dg.Definitions:
    return defs
