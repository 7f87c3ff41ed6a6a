"""Alerting as code, through the official Logging and Monitoring clients: the log-based metric on
the DoS-alert job's entries, an email channel, an alert policy on the metric, and a log-match
policy on failed Dataform workflow invocations (an assertion breached: the model monitoring's
drift and calibration thresholds, the reconciliations, the freshness checks)."""

from __future__ import annotations

from google.api import label_pb2, metric_pb2
from google.cloud import monitoring_v3
from google.cloud.logging_v2.types import LogMetric as LogMetricMessage
from google.protobuf import duration_pb2

from glue.provision.plan import get_or_none

# The job logs each alert as a WARNING whose message is JSON with "alert": "dos" (dos_alert/alerting.py);
# on Dataflow, worker logs carry the message in jsonPayload.message.
ALERT_LOG_FILTER = 'resource.type="dataflow_step" AND severity=WARNING AND jsonPayload.message:"\\"alert\\": \\"dos\\""'
DIMENSION_EXTRACTOR = 'REGEXP_EXTRACT(jsonPayload.message, "\\"dimension\\": \\"([a-z]+)\\"")'
# Dataform logs each workflow invocation's end to this log, with its terminal state
# (https://cloud.google.com/dataform/docs/cloud-logging); a failed assertion fails the invocation.
WORKFLOW_FAILURE_FILTER = (
    'resource.type="dataform.googleapis.com/Repository" '
    'AND logName:"dataform.googleapis.com%2Fworkflow_invocation_completion" '
    'AND jsonPayload.terminalState="FAILED"'
)
WORKFLOW_FAILURE_RATE_LIMIT_SECONDS = 300  # a log-match policy notifies at most once per period


class LogMetric:
    kind = "logging metric"

    def __init__(self, client, project: str, metric_id: str):
        self.client, self.project, self.metric_id = client, project, metric_id
        self.name = f"projects/{project}/metrics/{metric_id}"

    def _wanted(self) -> LogMetricMessage:
        descriptor = metric_pb2.MetricDescriptor(
            metric_kind=metric_pb2.MetricDescriptor.MetricKind.DELTA,
            value_type=metric_pb2.MetricDescriptor.ValueType.INT64,
            unit="1",
            labels=[
                label_pb2.LabelDescriptor(
                    key="dimension",
                    value_type=label_pb2.LabelDescriptor.ValueType.STRING,
                    description="all, page, user or ip",
                )
            ],
        )
        return LogMetricMessage(
            name=self.metric_id,
            filter=ALERT_LOG_FILTER,
            description="DoS alerts logged by the clickstream DoS-alert job, by dimension.",
            metric_descriptor=descriptor,
            label_extractors={"dimension": DIMENSION_EXTRACTOR},
        )

    def read(self):
        return get_or_none(self.client.get_log_metric, metric_name=self.name)

    def differences(self, current) -> list[str]:
        found = []
        if current.filter != ALERT_LOG_FILTER:
            found.append("filter differs from the job's alert entries")
        if dict(current.label_extractors) != {"dimension": DIMENSION_EXTRACTOR}:
            found.append("label extractor for dimension differs")
        return found

    def create(self) -> None:
        self.client.create_log_metric(parent=f"projects/{self.project}", metric=self._wanted())

    def update(self, current, differences) -> None:
        self.client.update_log_metric(metric_name=self.name, metric=self._wanted())


class EmailChannel:
    kind = "monitoring email channel"

    def __init__(self, client, project: str, email: str):
        self.client, self.project, self.email = client, project, email
        self.name = f"projects/{project}: email {email}"
        self.channel_name: str | None = None  # known once read or created

    def read(self):
        for channel in self.client.list_notification_channels(
            request={"name": f"projects/{self.project}", "filter": 'type="email"'}
        ):
            if channel.labels.get("email_address") == self.email:
                self.channel_name = channel.name
                return channel
        return None

    def differences(self, current) -> list[str]:
        return []

    def create(self) -> None:
        channel = monitoring_v3.NotificationChannel(
            type_="email", display_name=f"clickstream alerts: {self.email}", labels={"email_address": self.email}
        )
        self.channel_name = self.client.create_notification_channel(
            name=f"projects/{self.project}", notification_channel=channel
        ).name

    def update(self, current, differences) -> None:
        pass


class AlertPolicy:
    """Fires when the job logs more than `threshold` alert entries in a minute; emails the channel."""

    kind = "monitoring alert policy"
    DISPLAY_NAME = "clickstream: possible denial of service"

    def __init__(self, client, project: str, metric_id: str, channel: EmailChannel, threshold: int):
        self.client, self.project, self.metric_id = client, project, metric_id
        self.channel, self.threshold = channel, threshold
        self.name = f"projects/{project}: {self.DISPLAY_NAME}"

    def _wanted(self) -> monitoring_v3.AlertPolicy:
        condition = monitoring_v3.AlertPolicy.Condition(
            display_name="DoS alert entries logged by the job",
            condition_threshold=monitoring_v3.AlertPolicy.Condition.MetricThreshold(
                filter=f'metric.type="logging.googleapis.com/user/{self.metric_id}" AND resource.type="dataflow_step"',
                comparison=monitoring_v3.ComparisonType.COMPARISON_GT,
                threshold_value=self.threshold,
                duration=duration_pb2.Duration(seconds=0),
                aggregations=[
                    monitoring_v3.Aggregation(
                        alignment_period=duration_pb2.Duration(seconds=60),
                        per_series_aligner=monitoring_v3.Aggregation.Aligner.ALIGN_SUM,
                    )
                ],
            ),
        )
        return monitoring_v3.AlertPolicy(
            display_name=self.DISPLAY_NAME,
            combiner=monitoring_v3.AlertPolicy.ConditionCombinerType.OR,
            conditions=[condition],
            notification_channels=[self.channel.channel_name] if self.channel.channel_name else [],
            documentation=monitoring_v3.AlertPolicy.Documentation(
                content="Page views per minute from one client, page or the whole site crossed the DoS-alert "
                "job's threshold. The alerts topic and the job's WARNING entries name the key and window.",
                mime_type="text/markdown",
            ),
        )

    def read(self):
        policies = self.client.list_alert_policies(
            request={"name": f"projects/{self.project}", "filter": f'display_name="{self.DISPLAY_NAME}"'}
        )
        return next(iter(policies), None)

    def differences(self, current) -> list[str]:
        found = []
        threshold = current.conditions[0].condition_threshold if current.conditions else None
        if threshold is None or threshold.threshold_value != self.threshold:
            found.append(f"threshold -> more than {self.threshold} alert entries a minute")
        if self.channel.channel_name is None or self.channel.channel_name not in current.notification_channels:
            found.append(f"notify {self.channel.email}")
        return found

    def create(self) -> None:
        self.client.create_alert_policy(name=f"projects/{self.project}", alert_policy=self._wanted())

    def update(self, current, differences) -> None:
        wanted = self._wanted()
        wanted.name = current.name
        self.client.update_alert_policy(alert_policy=wanted)


class WorkflowFailurePolicy(AlertPolicy):
    """Fires on each failed Dataform workflow invocation (at most one email per 5 minutes)."""

    DISPLAY_NAME = "clickstream: a Dataform workflow failed"

    def __init__(self, client, project: str, channel: EmailChannel):
        super().__init__(client, project, "", channel, 0)

    def _wanted(self) -> monitoring_v3.AlertPolicy:
        condition = monitoring_v3.AlertPolicy.Condition(
            display_name="A workflow invocation ended FAILED",
            condition_matched_log=monitoring_v3.AlertPolicy.Condition.LogMatch(filter=WORKFLOW_FAILURE_FILTER),
        )
        rate_limit = monitoring_v3.AlertPolicy.AlertStrategy.NotificationRateLimit(
            period=duration_pb2.Duration(seconds=WORKFLOW_FAILURE_RATE_LIMIT_SECONDS)
        )
        return monitoring_v3.AlertPolicy(
            display_name=self.DISPLAY_NAME,
            combiner=monitoring_v3.AlertPolicy.ConditionCombinerType.OR,
            conditions=[condition],
            alert_strategy=monitoring_v3.AlertPolicy.AlertStrategy(notification_rate_limit=rate_limit),
            notification_channels=[self.channel.channel_name] if self.channel.channel_name else [],
            documentation=monitoring_v3.AlertPolicy.Documentation(
                content="A Dataform workflow invocation failed: an action, or an assertion, did. The "
                "model monitoring's assertion fails when a feature drifts past ml_max_feature_psi or "
                "the predicted purchase rate strays from the observed one by more than "
                "ml_max_calibration_gap (docs/ml.md). The invocation's log names the failed action.",
                mime_type="text/markdown",
            ),
        )

    def differences(self, current) -> list[str]:
        found = []
        matched = current.conditions[0].condition_matched_log if current.conditions else None
        if matched is None or matched.filter != WORKFLOW_FAILURE_FILTER:
            found.append("filter -> failed Dataform workflow invocations")
        if self.channel.channel_name is None or self.channel.channel_name not in current.notification_channels:
            found.append(f"notify {self.channel.email}")
        return found


METRIC_ID = "clickstream_dos_alerts"


def real_clients():
    from google.cloud import monitoring_v3
    from google.cloud.logging_v2.services.metrics_service_v2 import MetricsServiceV2Client

    from glue.provision.network import ensure_reachable

    clients = (
        MetricsServiceV2Client(),
        monitoring_v3.NotificationChannelServiceClient(),
        monitoring_v3.AlertPolicyServiceClient(),
    )
    ensure_reachable(["logging.googleapis.com", "monitoring.googleapis.com"])
    return clients


def alert_resources(project: str, email: str, threshold: int, clients) -> list:
    metrics, channels, policies = clients
    channel = EmailChannel(channels, project, email)
    return [
        LogMetric(metrics, project, METRIC_ID),
        channel,
        AlertPolicy(policies, project, METRIC_ID, channel, threshold),
        WorkflowFailurePolicy(policies, project, channel),
    ]
