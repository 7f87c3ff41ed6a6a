"""`clickstream ml ...`: the purchase-propensity predictions service, and the ml workflow started
by visits-processed notifications."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from glue.settings import get_settings


@click.group()
def ml():
    """The purchase-propensity model (definitions/ml/): serve it, retrain it on new visits."""


@ml.command()
@click.option(
    "--model",
    "model_dir",
    type=click.Path(path_type=Path),
    help="An EXPORT MODEL directory. Default: the local run's export.",
)
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path),
    help="The local warehouse of the users' history and the predictions.",
)
@click.option(
    "--bigquery-project", help="Read history from and store predictions in BigQuery, in this project, instead."
)
@click.option("--host", help="Address to listen on (clickstream.yaml ml.serve.host).")
@click.option("--port", type=int, envvar="PORT", help="Port (clickstream.yaml ml.serve.port; $PORT on Cloud Run).")
@click.option("--refresh-seconds", type=float, help="How often to look for a newer model and features.")
def serve(model_dir, warehouse, bigquery_project, host, port, refresh_seconds):
    """Serve purchase probabilities for visits in progress: POST /predict, GET /healthz.

    POST /predict takes one visit, or a batch of up to ml.serve.max_batch_visits as
    {"instances": [...]}, answered as {"predictions": [...]} in the same order.

    \b
    Examples:
      clickstream local run --tags ml && clickstream ml serve
      curl -s localhost:8080/predict -d '{"user_id": "UID-1234", "device_type": "mobile",
        "session_start": "2024-08-20T10:00:00Z", "page_views": 3, "cart_additions": 1, "cart_value": 59.98}'
      clickstream ml serve --bigquery-project my-project --model /models/purchase_propensity
    """
    from functools import partial

    import uvicorn

    from glue.ml.serving import MAX_BATCH_VISITS, HistoryLookup, PredictionService, PredictionWriter
    from glue.privacy.erasure import user_key

    settings = get_settings()
    options = settings.ml["serve"]
    host, port = host or options["host"], port or options["port"]
    store = _warehouse(settings, warehouse, bigquery_project)
    if bigquery_project:
        try:  # the table made, or given the columns a newer service writes
            store.ensure_table()
        except Exception as error:
            click.secho(f"predictions table not checked, writes may be refused: {error}", fg="yellow", err=True)
    writer = PredictionWriter(
        store,
        options["batch_rows"],
        options["batch_seconds"],
        on_error=lambda e: click.echo(f"predictions not stored yet: {e}", err=True),
    )
    try:
        service = PredictionService(
            model_dir or settings.model_dir(),
            HistoryLookup(
                store.newest_load, store.history_rows, store.erasures, store.erased_keys, partial(user_key, settings)
            ),
            writer,
            refresh_seconds or options["refresh_seconds"],
            log=lambda line: click.echo(line, err=True),
            address=f"{host}:{port}",
            max_batch_visits=int(options.get("max_batch_visits", MAX_BATCH_VISITS)),
        )
    except FileNotFoundError as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(2)
    uvicorn.run(
        service,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level="warning",
    )


def _warehouse(settings, warehouse, bigquery_project):
    from glue.ml.serving import BigQueryWarehouse, LocalWarehouse

    table = settings.ml["serve"]["predictions_table"]
    suppression = f"{settings.staging_dataset}.erased_users"
    if bigquery_project:
        from google.cloud import bigquery

        return BigQueryWarehouse(
            bigquery.Client(project=bigquery_project), bigquery_project, settings.ml_dataset, table, suppression
        )
    return LocalWarehouse(warehouse or settings.warehouse, settings.ml_dataset, table, suppression)


@ml.command()
@click.option(
    "--project",
    envvar="GOOGLE_CLOUD_PROJECT",
    help="Google Cloud: start its ml workflow there. Default: the local stack.",
)
@click.option("--region", envvar="CLICKSTREAM_REGION", help="The Dataform repository's region (with --project).")
@click.option("--env", "env_name", metavar="ENV", help="Google Cloud: this environment's project and region.")
@click.option("--count", type=click.IntRange(min=1), help="Exit after this many notifications.")
@click.option("--timeout", type=float, help="Exit when nothing arrives for this many seconds.")
@click.option("--dry-run", is_flag=True, help="Say when the workflow would start, and start nothing.")
def watch(project, region, env_name, count, timeout, dry_run):
    """Start the ml workflow (tag ml) once enough visits have been processed.

    Pulls the visits-processed notifications from its own subscription and counts their visits;
    at ml_retrain_min_new_visits it runs the ml workflow: locally on the warehouse, on Google Cloud
    the ml-retraining workflow configuration. The workflow's SQL decides whether a model trains.

    \b
    Examples:
      clickstream local up && clickstream ml watch --timeout 600
      clickstream ml watch --env prod --dry-run
    """
    from google.cloud import pubsub_v1

    from glue.stack import use_running_stack
    from glue.visits_processed import RetrainingTrigger, pulled

    settings = get_settings()
    if env_name:
        from glue.cli.environments import resolve_target

        target = resolve_target(env_name, project, region)
        click.secho(target.describe(), bold=True, err=True)
        project, region = target.project, target.region
    local = project is None
    if local:
        if use_running_stack(settings) is None:
            raise click.UsageError("no local stack: `clickstream local up`, or pass --project for Google Cloud")
        project = settings.local_project
    elif not region and not dry_run:
        raise click.UsageError("--region: the Dataform repository's region")
    subscriber = pubsub_v1.SubscriberClient()
    subscription = subscriber.subscription_path(project, settings.pubsub["ml_subscription"])
    trigger = RetrainingTrigger(int(settings.workflow["vars"]["ml_retrain_min_new_visits"]))
    click.echo(f"watching {subscription}: the ml workflow starts every {trigger.min_new_visits:,} visits", err=True)
    seen = 0
    for batch in pulled(subscriber, subscription, timeout, count):
        if trigger.notified([item for _, item in batch]):
            _start(settings, project, region, local, dry_run)
        else:
            click.echo(f"{trigger.waiting_visits:,} visits waiting")
        seen += len(batch)
    click.echo(f"{seen} notifications", err=True)


def _start(settings, project, region, local, dry_run) -> None:
    if local:
        if dry_run:
            click.echo(f"dry run: would run `clickstream local run --tags {settings.ml['tag']}`")
            return
        from glue.runner import RunOptions, run_workflow

        report, _, _ = run_workflow(settings, RunOptions(tags=(settings.ml["tag"],)))
        failed = report.failed()
        click.echo(f"ml workflow: {len(report.results) - len(failed)} actions ok, {len(failed)} failed")
        for result in failed:
            click.echo(f"  {result.action.name}: {result.message}")
        return
    from glue.dataform_api import invocations as ops
    from glue.dataform_api.schedule import repository_path

    repository = repository_path(project, region or "REGION", settings.infra["dataform"]["repository"])
    config = f"{repository}/workflowConfigs/{settings.ml['workflow_config']}"
    if dry_run:
        click.echo(f"dry run: would start {config}")
        return
    invocation = ops.start_run(ops.real_client(), repository, None, workflow_config=config)
    click.echo(f"started {invocation.name}")
