# The two commands of the README. Everything else is `.venv/bin/roundtrip --help`.
.PHONY: demo test

# scripts/uv runs uv, bootstrapping it when the machine lacks it.
.venv/.synced: pyproject.toml uv.lock
	scripts/uv sync --frozen --python 3.11
	@touch $@

demo: .venv/.synced
	.venv/bin/roundtrip demo

test: .venv/.synced
	.venv/bin/pytest
