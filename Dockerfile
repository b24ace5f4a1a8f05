# The API and the worker share one image; the gate agent has its own target with the `gate` extra only.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv
WORKDIR /app

FROM base AS server
# Receipts (payments.receipts) are drawn with Debian's Noto fonts, Arabic included.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-core \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --extra server --no-install-project
# Every package of the wheel (pyproject.toml's packages; tests/integration/test_deployment_files.py holds it).
COPY kernel kernel
COPY accounts accounts
COPY inventory inventory
COPY booking booking
COPY payments payments
COPY access access
COPY notifications notifications
COPY estivage estivage
COPY gateway_agent gateway_agent
RUN uv sync --frozen --no-dev --extra server
ENV PATH=/app/.venv/bin:$PATH ESTIVAGE_DATA_DIR=/data
EXPOSE 8000
CMD ["estivage", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]

FROM base AS gate
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --extra gate --no-install-project
COPY access/__init__.py access/passformat.py access/
COPY gateway_agent gateway_agent
ENV PATH=/app/.venv/bin:$PATH PYTHONPATH=/app
ENTRYPOINT ["python", "-m", "gateway_agent", "--state", "/state"]
CMD ["run", "--no-stdin", "--watch", "/state/inbox"]
