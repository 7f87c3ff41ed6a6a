"""The one place Python reads configuration from.

Dataset names and SQL variables come from workflow_settings.yaml (the Dataform project's own
settings), so the SQL and the glue can never disagree. Names and policies of the landing side
(bucket, topics, subscriptions, retention) come from clickstream.yaml. Everything
environment-specific comes from environment variables or flags; no project id, region or
credential is written into the code.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting that cannot be used as written; says which, and where."""


def _env(name: str, default: str) -> str:
    return os.environ.get(f"CLICKSTREAM_{name}", default)


# Landing objects sit under PREFIX/hour=YYYY-MM-DDTHH/, the hour they landed: the landing table's
# hive partition key (a STRING that orders as the hours do).
LANDING_HOUR_FORMAT = "%Y-%m-%dT%H"


def landing_hour_partition(moment: datetime | None = None) -> str:
    """The landing partition of an object written at `moment` (default now): hour=YYYY-MM-DDTHH."""
    moment = moment or datetime.now(timezone.utc)
    return f"hour={moment.astimezone(timezone.utc).strftime(LANDING_HOUR_FORMAT)}"


@dataclass(frozen=True)
class Environment:
    """One of clickstream.yaml's `environments:`, with the flags that override it applied.

    `local` has no project; `dev` has the developer's schema suffix and table prefix, as
    Dataform's workspace compilation overrides give them.
    """

    name: str
    project: str | None
    region: str | None
    location: str
    git_commitish: str = "main"
    schema_suffix: str = ""
    table_prefix: str = ""
    vars: dict = field(default_factory=dict)
    promote_from: str | None = None
    alert_email: str | None = None
    dataflow: dict = field(default_factory=dict)
    serve: dict = field(default_factory=dict)

    @property
    def is_local(self) -> bool:
        return self.project is None

    def dataset(self, base: str) -> str:
        """A dataset as this environment's compilation names it: BASE or BASE_SUFFIX."""
        return f"{base}_{self.schema_suffix}" if self.schema_suffix else base

    def table(self, base: str) -> str:
        return f"{self.table_prefix}_{base}" if self.table_prefix else base

    def describe(self) -> str:
        """The line every cloud command prints first: which environment and project it acts on."""
        if self.is_local:
            return f"environment {self.name}: the local DuckDB warehouse (no project)"
        where = f"project {self.project}, region {self.region or '-'}, location {self.location}"
        extra = f", datasets suffixed _{self.schema_suffix}" if self.schema_suffix else ""
        return f"environment {self.name}: {where}{extra}"


def developer_name(environ: dict | None = None) -> str:
    """$CLICKSTREAM_DEVELOPER or $USER as a dataset suffix: lower case, letters, digits and _."""
    environ = os.environ if environ is None else environ
    raw = environ.get("CLICKSTREAM_DEVELOPER") or environ.get("USER") or ""
    name = re.sub(r"[^a-z0-9_]+", "_", raw.lower()).strip("_")
    if not name:
        raise SettingsError("the dev environment needs a developer name: set CLICKSTREAM_DEVELOPER (or USER)")
    return name


@dataclass(frozen=True)
class Settings:
    root: Path
    workflow: dict
    local_dir: Path
    gcp_project: str | None
    region: str
    infra: dict
    vars: dict = field(default_factory=dict)

    # --- the landing side, from clickstream.yaml
    @property
    def local_project(self) -> str:
        return self.infra["local"]["project"]

    def landing_bucket_for(self, project: str) -> str:
        return os.environ.get("CLICKSTREAM_LANDING_BUCKET") or self.infra["landing"]["bucket"].format(project=project)

    @property
    def landing_bucket(self) -> str:
        """The local stack's bucket (the emulators always use the local project id)."""
        return self.landing_bucket_for(self.local_project)

    @property
    def landing_prefix(self) -> str:
        return self.infra["landing"]["prefix"]

    @property
    def pubsub(self) -> dict:
        return self.infra["pubsub"]

    @property
    def raw(self) -> dict:
        return self.infra["raw"]

    @property
    def stack_file(self) -> Path:
        """Where `clickstream local up` records the emulators' addresses and PIDs."""
        return self.local_dir / "stack.json"

    # --- personal data: classes and readers from clickstream.yaml, each column's class from the vars
    @property
    def privacy(self) -> dict:
        return self.infra["privacy"]

    def column_classes(self) -> dict[str, str]:
        """Each column name's class of personal data ("none" included), from the pii_<class> vars
        that includes/privacy.js reads too."""
        found = {}
        for name in [*self.privacy["classes"], "none"]:
            for column in self.vars.get(f"pii_{name}", "").split():
                found[column] = name
        return found

    # --- datasets, as the Dataform project names them
    @property
    def raw_dataset(self) -> str:
        return self.vars["raw_dataset"]

    @property
    def staging_dataset(self) -> str:
        return self.vars["staging_dataset"]

    @property
    def curated_dataset(self) -> str:
        return self.workflow["defaultDataset"]

    @property
    def assertion_dataset(self) -> str:
        return self.workflow["defaultAssertionDataset"]

    # --- machine learning
    @property
    def ml(self) -> dict:
        return self.infra["ml"]

    @property
    def ml_dataset(self) -> str:
        return self.workflow["vars"]["ml_dataset"]

    @property
    def separate_tags(self) -> tuple[str, ...]:
        """Tags whose actions a run that names nothing leaves out: they have a workflow of their own."""
        return (self.ml["tag"],)

    def model_bucket_for(self, project: str) -> str:
        """The bucket EXPORT MODEL writes to (the ml_model_bucket var, as export_purchase_propensity.sqlx reads it)."""
        return self.workflow["vars"]["ml_model_bucket"].replace("{project}", project)

    def model_dir(self) -> Path:
        """Where a local run's EXPORT MODEL writes the served model: the local bucket of project "local"."""
        return self.landing_dir / self.model_bucket_for("local") / self.ml["model"]

    # --- the local stack
    @property
    def warehouse(self) -> Path:
        return self.local_dir / "warehouse.duckdb"

    @property
    def local_concurrency(self) -> int:
        """How many actions a local run executes side by side (clickstream.yaml, local.concurrency)."""
        value = self.infra["local"].get("concurrency", 1)
        if not isinstance(value, int) or value < 1:
            raise SettingsError(f"clickstream.yaml: local.concurrency must be a whole number from 1, not {value!r}")
        return value

    @property
    def local_zstd_columns(self) -> frozenset[tuple[str, str]]:
        """(table, column) pairs the local warehouse stores with zstd (local.zstd_columns)."""
        pairs = []
        for item in self.infra["local"].get("zstd_columns") or []:
            table, dot, column = str(item).partition(".")
            if not (table and dot and column):
                raise SettingsError(f"clickstream.yaml: local.zstd_columns names columns as table.column, not {item!r}")
            pairs.append((table, column))
        return frozenset(pairs)

    @property
    def action_times(self) -> Path:
        """How long each action took last run: the local scheduler starts the longest chains first."""
        return self.local_dir / "action_times.json"

    @property
    def translation_cache(self) -> Path:
        return self.local_dir / "translations.json"

    @property
    def landing_dir(self) -> Path:
        """Where the local visits_gcs external table reads: <dir>/<bucket>/<prefix>."""
        return self.local_dir / "landing"

    @property
    def landing_path(self) -> Path:
        return self.landing_dir / self.landing_bucket / self.landing_prefix

    def landing_hour_path(self, moment: datetime | None = None) -> Path:
        """Where an object landing at `moment` (default now) goes: PREFIX/hour=YYYY-MM-DDTHH, the
        landing table's hive partition."""
        return self.landing_path / landing_hour_partition(moment)

    @property
    def dataform_cli(self) -> Path:
        return self.root / "node_modules" / ".bin" / "dataform"

    # --- environments and deployment, from clickstream.yaml
    @property
    def deploy(self) -> dict:
        return self.infra["deploy"]

    @property
    def environment_names(self) -> list[str]:
        return list(self.infra.get("environments") or {})

    def environment(
        self, name: str, project: str | None = None, region: str | None = None, environ: dict | None = None
    ) -> Environment:
        """The environment NAME as clickstream.yaml declares it. $CLICKSTREAM_<NAME>_PROJECT (as CI
        sets it from its own variables) overrides the declared project, and `project` and
        `region` override both."""
        declared = self.infra.get("environments") or {}
        if name not in declared:
            from difflib import get_close_matches

            close = get_close_matches(name, list(declared), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise SettingsError(
                f"clickstream.yaml: no environment {name!r}{hint}; declared: {', '.join(declared) or 'none'}"
            )
        spec = declared[name] or {}
        dataform = spec.get("dataform") or {}
        needs_developer = any("{developer}" in str(dataform.get(k, "")) for k in ("schema_suffix", "table_prefix"))
        developer = developer_name(environ) if needs_developer else ""

        def filled(key: str) -> str:
            return str(dataform.get(key) or "").replace("{developer}", developer)

        environ = os.environ if environ is None else environ
        project = project or environ.get(f"CLICKSTREAM_{name.upper()}_PROJECT") or spec.get("project")
        if name != "local" and not project:
            raise SettingsError(f"clickstream.yaml: environment {name!r} has no project; add one or pass --project")
        return Environment(
            name=name,
            project=project,
            region=region or spec.get("region"),
            location=spec.get("location") or self.region,
            git_commitish=str(spec.get("git_commitish") or "main"),
            schema_suffix=filled("schema_suffix"),
            table_prefix=filled("table_prefix"),
            vars={k: str(v) for k, v in (dataform.get("vars") or {}).items()},
            promote_from=spec.get("promote_from"),
            alert_email=spec.get("alert_email"),
            dataflow={**self.infra["dos_alert"]["dataflow"], **(spec.get("dataflow") or {})},
            serve=dict(spec.get("serve") or {}),
        )


def load_infra_settings(root: Path = PROJECT_ROOT) -> dict:
    with open(root / "clickstream.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_workflow_settings(root: Path = PROJECT_ROOT) -> dict:
    with open(root / "workflow_settings.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=None)
def get_settings(root: Path = PROJECT_ROOT) -> Settings:
    workflow = load_workflow_settings(root)
    local_dir = Path(_env("LOCAL_DIR", str(root / ".local")))
    return Settings(
        root=root,
        workflow=workflow,
        local_dir=local_dir,
        gcp_project=os.environ.get("GOOGLE_CLOUD_PROJECT") or os.environ.get("CLOUDSDK_CORE_PROJECT"),
        region=_env("REGION", workflow.get("defaultLocation", "US")),
        infra=load_infra_settings(root),
        vars=dict(workflow.get("vars", {})),
    )
