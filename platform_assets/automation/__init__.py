"""When things run and how they are watched: schedules, sensors, automation conditions, freshness
policies, retries and alerts, applied over the assets the other rooms define.

Each module exposes ``defs`` (a ``dagster.Definitions`` of its schedules, sensors and checks)
and/or ``apply(defs) -> Definitions`` (a policy mapped over the assets); ``definitions.py`` merges
and applies them.
"""
