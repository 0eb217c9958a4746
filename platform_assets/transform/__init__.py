"""The dbt layer as Dagster assets: the project, the CLI resource and the translator.

Import :mod:`.project` (``prepare_manifest``) and :mod:`.resource` (``dbt_resource``) freely;
:mod:`.assets` needs the manifest, so call ``prepare_manifest()`` before importing it.
"""
