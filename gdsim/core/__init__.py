"""The simulation core: pure Python, numpy and torch. It never imports Qt (an import-linter
contract in pyproject.toml checks this on every test run), so everything here is testable and
scriptable without a display."""
