# `clickstream ml serve` on Cloud Run: the purchase-propensity predictions service.
#
#   docker build -t clickstream-ml-serve .
#   gcloud run deploy clickstream-ml-serve --image ... \
#     --add-volume name=models,type=cloud-storage,bucket=PROJECT-clickstream-models,readonly=true \
#     --add-volume-mount volume=models,mount-path=/models \
#     --set-env-vars GOOGLE_CLOUD_PROJECT=PROJECT
#
# (`clickstream deploy` does the same through the Cloud Run API: glue/deploy/cloud_run.py.)
# The model is the one EXPORT MODEL writes to the model bucket, mounted read-only at /models: a new
# export is picked up within ml.serve.refresh_seconds. History and predictions are in BigQuery.
#
# Every Python package comes from uv.lock, exactly as pinned and hash-checked: the same lock
# `make setup` installs .venv from, with the uv version pyproject.toml requires. No extra is
# installed (not dev, not beam: the service needs neither Apache Beam nor the test tools).
FROM python:3.11-slim

COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /uvx /bin/

# Bytecode compiled at build time (a faster start); files copied, not linked, from uv's cache;
# the base image's Python used, never a downloaded one; no cache left in the image.
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_NO_CACHE=1

WORKDIR /app
# The dependencies first, in a layer of their own: it is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

# Then the project itself, installed in place: the package reads its settings from the
# project's two YAML files beside it.
COPY setup.py README.md workflow_settings.yaml clickstream.yaml ./
COPY glue ./glue
COPY dos_alert ./dos_alert
RUN uv sync --frozen --no-dev \
    && groupadd --gid 10001 serve \
    && useradd --create-home --no-log-init --uid 10001 --gid serve serve
# Not root: the service only reads /app and the mounted model.
USER 10001:10001

ENV PATH="/app/.venv/bin:$PATH" PORT=8080 MODEL_DIR=/models/purchase_propensity
EXPOSE 8080
CMD ["sh", "-c", "exec clickstream ml serve --host 0.0.0.0 --port \"$PORT\" --model \"$MODEL_DIR\" --bigquery-project \"$GOOGLE_CLOUD_PROJECT\""]
