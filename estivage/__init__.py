"""The thin package that wires the Estivage domain packages into one Litestar application."""
