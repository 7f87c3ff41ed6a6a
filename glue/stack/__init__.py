"""The local stack: Google's Pub/Sub emulator and a Cloud Storage emulator, started as processes
of their own on free ports, provisioned with the same code as Google Cloud, and the subscription
sink that writes Pub/Sub messages into the warehouse as a BigQuery subscription would."""

from glue.stack.emulators import EmulatorUnavailable, PubSubEmulator, StorageEmulator, pid_alive
from glue.stack.jobs import run_job
from glue.stack.lifecycle import StackState, down, running_stack, status, up, use_running_stack
from glue.stack.subscription_sink import SinkStats, SubscriptionSink

__all__ = [
    "EmulatorUnavailable",
    "PubSubEmulator",
    "SinkStats",
    "StackState",
    "StorageEmulator",
    "SubscriptionSink",
    "down",
    "pid_alive",
    "run_job",
    "running_stack",
    "status",
    "up",
    "use_running_stack",
]
