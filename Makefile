# The two commands of the README. Everything else is `.venv/bin/roundtrip --help`.
.PHONY: demo test

# uv installs the locked environment in seconds; bootstrap it with pip when the machine lacks it.
UV = $(shell command -v uv 2>/dev/null || echo python3 -m uv)

.venv/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet uv
	$(UV) sync --frozen --python 3.11
	@touch $@

demo: .venv/.synced
	.venv/bin/roundtrip demo

test: .venv/.synced
	.venv/bin/pytest
