"""The DoS-alert Beam job on Dataflow, as a Flex Template (dos_alert/Dockerfile, metadata.json).

`clickstream dos-alert deploy` and `clickstream deploy` plan the job with
`dos_alert_job_resources` (launch, update in place, or drain and replace); `dos-alert stop`
drains or cancels it. Google's client library is imported only when a call is made.
"""

from glue.dataflow.job_control import (
    DataflowClients,
    StillRunning,
    find_active_job,
    offline_dataflow_clients,
    real_dataflow_clients,
    request_stop,
    wait_until_stopped,
)
from glue.dataflow.job_resource import DosAlertJob, dos_alert_job_resources
from glue.dataflow.launch_spec import JobLaunch, job_launch, job_name, template_image, template_spec_path

__all__ = [
    "DataflowClients",
    "DosAlertJob",
    "JobLaunch",
    "StillRunning",
    "dos_alert_job_resources",
    "find_active_job",
    "job_launch",
    "job_name",
    "offline_dataflow_clients",
    "real_dataflow_clients",
    "request_stop",
    "template_image",
    "template_spec_path",
    "wait_until_stopped",
]
