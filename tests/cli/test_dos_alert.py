"""`clickstream dos-alert run`: the job's command line for each runner (--dry-run)."""

from click.testing import CliRunner

from glue.cli import main


def dry_run(*args):
    return CliRunner().invoke(main, ["dos-alert", "run", "--dry-run", *args])


def test_locally_the_runner_is_pinned_and_reads_the_local_stack():
    result = dry_run("--threshold", "user=50")
    assert result.exit_code == 0, result.output
    command = result.output.split()
    assert "--runner=BundleBasedDirectRunner" in command and "--streaming" in command
    assert "--subscription=projects/clickstream-local/subscriptions/visits-dos-alert" in command
    assert "--timestamp-attribute=" in command and "--threshold-user=50" in command
    assert any(arg.startswith("--warehouse=") and arg.endswith("warehouse.duckdb") for arg in command)


def test_on_dataflow_the_job_gets_its_options_from_the_settings():
    result = dry_run(
        "--runner",
        "DataflowRunner",
        "--project",
        "acme",
        "--region",
        "europe-west1",
        "--service-account",
        "job@acme.iam.gserviceaccount.com",
        "--max-workers",
        "5",
    )
    assert result.exit_code == 0, result.output
    command = result.output.split()
    for flag in (
        "--runner=DataflowRunner",
        "--project=acme",
        "--region=europe-west1",
        "--enable_streaming_engine",
        "--max_num_workers=5",
        "--service_account_email=job@acme.iam.gserviceaccount.com",
        "--temp_location=gs://acme-clickstream-landing/dataflow/temp",
        "--subscription=projects/acme/subscriptions/visits-dos-alert",
        "--counts-table=acme:clickstream.page_views_per_minute_stream",
        "--archive-dir=gs://acme-clickstream-landing/archive",
    ):
        assert flag in command, flag
    assert not any(arg.startswith("--warehouse") for arg in command)


def test_bad_input_gets_a_clear_error():
    assert "use DIMENSION=N" in dry_run("--threshold", "users=5").output
    missing = CliRunner().invoke(
        main,
        ["dos-alert", "run", "--runner", "DataflowRunner", "--dry-run"],
        env={"GOOGLE_CLOUD_PROJECT": "", "CLICKSTREAM_REGION": ""},
    )
    assert missing.exit_code == 2 and "needs --project and --region" in missing.output


def test_an_environment_names_the_dataflow_project_and_region():
    result = dry_run("--env", "staging")
    assert result.exit_code == 0, result.output
    first, command = result.output.splitlines()[:2]
    assert first == "environment staging: project clickstream-staging, region us-central1, location US"
    assert "--runner=DataflowRunner" in command and "--project=clickstream-staging" in command
    assert "--region=us-central1" in command
