"""The sandbox: a deterministic synthetic SaaS world and fake HTTP APIs that serve it.

Only the CLI and the tests import this package; the platform's connectors reach the fakes over
HTTP exactly as they would reach the real APIs.
"""
