# `clickstream ml serve` on Cloud Run: the purchase-propensity predictions service.
#
#   docker build -t clickstream-ml-serve .
#   gcloud run deploy clickstream-ml-serve --image ... \
#     --add-volume name=models,type=cloud-storage,bucket=PROJECT-clickstream-models \
#     --add-volume-mount volume=models,mount-path=/models \
#     --set-env-vars GOOGLE_CLOUD_PROJECT=PROJECT
#
# The model is the one EXPORT MODEL writes to the model bucket, mounted read-only at /models: a new
# export is picked up within ml.serve.refresh_seconds. History and predictions are in BigQuery.
FROM python:3.11-slim

WORKDIR /app
# The package reads its settings from the project's two YAML files, beside it.
COPY pyproject.toml setup.py README.md workflow_settings.yaml clickstream.yaml ./
COPY glue ./glue
COPY dos_alert ./dos_alert
RUN pip install --no-cache-dir -e . && useradd --create-home serve
USER serve

ENV PORT=8080 MODEL_DIR=/models/purchase_propensity
EXPOSE 8080
CMD ["sh", "-c", "exec clickstream ml serve --host 0.0.0.0 --port \"$PORT\" --model \"$MODEL_DIR\" --bigquery-project \"$GOOGLE_CLOUD_PROJECT\""]
