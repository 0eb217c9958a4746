"""The test modules here import the dbt assets, which are defined from the manifest at import
time: parse the project before collection imports them (a session fixture would run too late,
after a stale manifest had already been read)."""

from platform_assets.transform.project import prepare_manifest

prepare_manifest()
