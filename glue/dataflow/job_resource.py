"""The DoS-alert job as a plan resource (glue.provision.plan): read is the active job of that
name, and a deploy launches it, updates it in place, or drains it and launches a replacement.

    no active job                      -> create: launch
    the job runs this spec, image and parameters (its labels say so) -> nothing to change
    it runs something else, and Dataflow's compatibility check passes -> update in place
      (an update launch with the transform name mapping, state carried over)
    the check fails (a step renamed without a mapping, say), or the job is already stopping
                                       -> drain and replace: drain, wait until drained, launch
The plan's difference line names the action and why before anything is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from glue.dataflow import job_control as control
from glue.dataflow.launch_spec import CONFIG_LABEL, IMAGE_LABEL, JobLaunch, job_launch

UPDATE_IN_PLACE, DRAIN_AND_REPLACE, LAUNCH = "update in place", "drain and replace", "launch"


@dataclass
class Decision:
    action: str  # launch | update in place | drain and replace | nothing
    reason: str

    def describe(self) -> str:
        return f"{self.action}: {self.reason}"


class DosAlertJob:
    """One streaming job, identified by its name; see the module docstring for what a deploy does."""

    def __init__(
        self,
        clients: control.DataflowClients,
        spec: JobLaunch,
        mapping: dict[str, str],
        *,
        sleep: Callable | None = None,
        poll_seconds: float = 15,
        timeout_seconds: float = 1800,
        say: Callable[[str], None] = lambda text: None,
    ):
        self.clients, self.spec, self.mapping, self.say = clients, spec, dict(mapping), say
        self.name = spec.job_name
        self.waiting = {"sleep": sleep, "poll_seconds": poll_seconds, "timeout_seconds": timeout_seconds}
        self.decision: Decision | None = None
        self.launched_id: str | None = None

    @property
    def kind(self) -> str:
        """What the plan calls it; a launch says so on its line."""
        return "Dataflow job (launch)" if self.decision and self.decision.action == LAUNCH else "Dataflow job"

    def plan_notes(self, action: str) -> list[str]:
        """Lines the plan prints under this job's: the launch's reason, or, declared without
        credentials, what would be launched."""
        if action == "declared":
            spec = self.spec
            return [f"would launch {spec.template_spec} with {spec.image} in {spec.region}"]
        if action == "create" and self.decision is not None:  # an update's own line already says which
            return [f"action: {self.decision.describe()}"]
        return []

    def read(self):
        job = control.find_active_job(self.clients, self.spec.project, self.spec.region, self.name)
        if job is None:
            self.decision = Decision(LAUNCH, f"no active job named {self.name} in {self.spec.region}")
        return job

    def changes(self, job) -> list[str]:
        """What the running job runs that this deploy would not; [] when it is the same."""
        labels = dict(job.labels)
        if IMAGE_LABEL not in labels and CONFIG_LABEL not in labels:
            return [f"job {job.id} was not launched by `clickstream dos-alert deploy` (no {CONFIG_LABEL} label)"]
        wanted, found = self.spec.labels, []
        if labels.get(IMAGE_LABEL) != wanted[IMAGE_LABEL]:
            found.append(f"image {labels.get(IMAGE_LABEL, '?')} -> {wanted[IMAGE_LABEL]}")
        if labels.get(CONFIG_LABEL) != wanted[CONFIG_LABEL] and not found:
            found.append("template spec, parameters or workers changed")
        return found

    def differences(self, current) -> list[str]:
        if self.launched_id and current.id == self.launched_id:
            return []  # the job this deploy just launched
        state = control.state_name(current)
        if state in control.STOPPING:
            self.decision = Decision(
                DRAIN_AND_REPLACE, f"job {current.id} is already {state}: wait for it to stop, then launch"
            )
            return [self.decision.describe()]
        changed = self.changes(current)
        if not changed:
            self.decision = Decision("nothing", f"job {current.id} already runs {self.spec.image}")
            return []
        why = "; ".join(changed)
        problem = control.update_incompatibility(self.clients, self.spec, self.mapping, **self.waiting)
        if problem is None:
            mapped = f", renaming {self.mapping}" if self.mapping else ""
            self.decision = Decision(UPDATE_IN_PLACE, f"{why}; Dataflow's compatibility check passed{mapped}")
        else:
            self.decision = Decision(DRAIN_AND_REPLACE, f"{why}; cannot update in place: {problem}")
        return [self.decision.describe()]

    def create(self) -> None:
        self.say(f"launching {self.name} from {self.spec.template_spec} ({self.spec.image})")
        job = control.launch(self.clients, self.spec)
        self.launched_id = job.id or None

    def update(self, current, differences: list[str]) -> None:
        if self.decision is None or self.decision.action not in (UPDATE_IN_PLACE, DRAIN_AND_REPLACE):
            self.differences(current)
        if self.decision.action == UPDATE_IN_PLACE:
            self.say(f"updating {self.name} in place (job {current.id})")
            job = control.launch(self.clients, self.spec, update=True, mapping=self.mapping)
            self.launched_id = job.id or None
            return
        if control.state_name(current) not in control.STOPPING:
            self.say(f"draining job {current.id}")
            control.request_stop(self.clients, self.spec.project, self.spec.region, current, "drain")
        final = control.wait_until_stopped(
            self.clients,
            self.spec.project,
            self.spec.region,
            current.id,
            **self.waiting,
            on_poll=lambda job: self.say(f"  job {job.id}: {control.state_name(job)}"),
        )
        self.say(f"job {current.id} stopped ({control.state_name(final)}); launching its replacement")
        self.create()


def dos_alert_job_resources(
    settings,
    target,
    clients: control.DataflowClients,
    template_spec: str,
    image: str,
    *,
    mapping: dict[str, str] | None = None,
    sleep: Callable | None = None,
    say: Callable[[str], None] = lambda text: None,
) -> list[DosAlertJob]:
    """The DoS-alert job for `clickstream deploy`'s plan: [DosAlertJob]. `mapping` defaults to
    dos_alert/steps.py's TRANSFORM_NAME_MAPPING; settings.deploy.dataflow.drain_timeout_minutes
    (default 30) bounds the wait for a drain."""
    if mapping is None:
        from dos_alert.steps import TRANSFORM_NAME_MAPPING as mapping
    options = settings.deploy.get("dataflow") or {}
    timeout = float(options.get("drain_timeout_minutes", 30)) * 60
    spec = job_launch(settings, target, template_spec, image)
    return [DosAlertJob(clients, spec, mapping, sleep=sleep, timeout_seconds=timeout, say=say)]
