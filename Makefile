# The two commands of the README. Everything else is `.venv/bin/roundtrip --help`.
.PHONY: demo test

# scripts/uv runs uv, bootstrapping it when the machine lacks it.
.venv/.synced: pyproject.toml uv.lock
	scripts/uv sync --frozen --python 3.11
	@touch $@

demo: .venv/.synced
	.venv/bin/roundtrip demo

# Two workers (the machine's two cores); see tests/conftest.py for how tests are grouped.
test: .venv/.synced
	.venv/bin/pytest -n 2 --dist loadgroup
