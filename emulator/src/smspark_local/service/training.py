"""Running a training job as a local process, following the SageMaker container contract.

Status moves as on the service: InProgress (Starting, Downloading, Training, Uploading) and
then Completed, Failed or Stopped (Stopping first). The job's output lines go to
CloudWatch Logs under ``/aws/sagemaker/TrainingJobs``, ``<job>/algo-<n>-<epoch>``.

``ResourceConfig.InstanceCount`` hosts ``algo-1`` … ``algo-<n>`` each run the image's train
step as a process of its own, in a directory of its own (``<job>/algo-<n>/`` when there are
several, ``<job>/`` for one) whose ``resourceconfig.json`` names the hosts and the current
one. A ``FullyReplicated`` channel gives every host every object, ``ShardedByS3Key`` host
``i`` the objects ``i, i + n, …`` in key order. Each host logs to its own stream; the
backend's status lines and the MetricDefinitions go by algo-1's. The job ends when every
host has ended, and fails when one fails (the others are then stopped). The model artifact
holds every host's ``model/`` (the first host's file wins a name clash, as a log line says).

With ``CheckpointConfig`` the checkpoint directory is restored and synced
(``smspark_local.service.checkpoints``). A managed spot training job can be interrupted
(``SpotInterruptions``): as on the service it goes Interrupted, then Pending while it waits
for spot capacity (the only time not billed: BillableTimeInSeconds < TrainingTimeInSeconds),
then Starting and Downloading on a fresh instance, and trains again from its checkpoints.
``MaxWaitTimeInSeconds`` bounds the whole (MaxWaitTimeExceeded), ``MaxRuntimeInSeconds``
the time spent training over all attempts.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tarfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smspark_core.aws.resources import split_s3_uri
from smspark_local.service import images
from smspark_local.service.checkpoints import CheckpointSync
from smspark_local.service.faults import SpotInterruptions
from smspark_local.service.logs import TRAINING_GROUP, LogStore
from smspark_local.service.metrics import MetricCollector, final_values
from smspark_local.service.s3_objects import JobFailed, manifest_objects, prefix_objects
from smspark_local.service.store import Store
from smspark_local.toolkit.container import FAILURE_LIMIT

STATUS_MESSAGES = {
    "Starting": "Launching requested ML instances",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
    "Failed": "Training job failed",
    "Stopping": "Stopping the training job",
    "Stopped": "Training job stopped",
    "MaxRuntimeExceeded": "Training job runtime exceeded MaxRuntimeInSeconds provided",
    "Interrupted": "The job stopped because the managed spot training instances were interrupted",
    "Pending": "Waiting for spot capacity to restart the interrupted training job",
    "MaxWaitTimeExceeded": "Training job exceeded MaxWaitTimeInSeconds provided",
}
ENDED = ("Completed", "Failed", "Stopped", "MaxRuntimeExceeded", "MaxWaitTimeExceeded")


@dataclass
class Host:
    """One instance of a job: its name, ``/opt/ml`` directory, log stream and process."""

    name: str
    root: Path
    stream: str
    checkpoints: CheckpointSync | None = None
    process: subprocess.Popen | None = None


class TrainingRun:
    """One training job's thread: downloads, runs the image's train step, uploads."""

    def __init__(
        self,
        name: str,
        store: Store,
        logs: LogStore,
        resolver: images.ImageResolver,
        s3: Any,
        root: Path,
        interruptions: SpotInterruptions | None = None,
    ) -> None:
        self.name, self.store, self.logs, self.resolver, self.s3 = name, store, logs, resolver, s3
        self.root = root
        spot = self.job.get("EnableManagedSpotTraining", False)
        self.interruptions = interruptions if spot and interruptions else None
        self.interruptions_left = self.interruptions.interruptions if self.interruptions else 0
        self.unbilled_seconds = 0.0  # waiting for spot capacity
        self.trained_seconds = 0.0  # in the container, over all attempts (MaxRuntimeInSeconds)
        count = int(self.job.get("ResourceConfig", {}).get("InstanceCount", 1))
        started = int(time.time())
        self.hosts = [
            Host(
                f"algo-{number}",
                root if count == 1 else root / f"algo-{number}",
                f"{name}/algo-{number}-{started}",
            )
            for number in range(1, count + 1)
        ]
        self.metrics = MetricCollector(
            self.job["AlgorithmSpecification"].get("MetricDefinitions", []),
            root / "metrics.jsonl",
        )
        self.stop_requested = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"training-{name}", daemon=True)

    @property
    def job(self) -> dict[str, Any]:
        job = self.store.get("training_jobs", self.name)
        assert job is not None  # a run is made for a stored job; training jobs are never deleted
        return job

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Asks the job to stop: Stopping at once, as on the service; the training loop then
        terminates the process (SIGTERM)."""
        with self.store.lock:
            if self.stop_requested.is_set() or self.job["TrainingJobStatus"] != "InProgress":
                return
            self.stop_requested.set()
            self._secondary("Stopping", "Stopping")

    # -- status

    def _secondary(self, status: str, primary: str | None = None) -> None:
        now = time.time()
        with self.store.lock:
            job = self.job
            transitions = job["SecondaryStatusTransitions"]
            if transitions and "EndTime" not in transitions[-1]:
                transitions[-1]["EndTime"] = now
            entry = {"Status": status, "StartTime": now, "StatusMessage": STATUS_MESSAGES[status]}
            if status in ENDED:
                entry["EndTime"] = now
            transitions.append(entry)
            changes: dict[str, Any] = {"SecondaryStatus": status, "LastModifiedTime": now}
            if primary:
                changes["TrainingJobStatus"] = primary
            self.store.update("training_jobs", self.name, **changes)
        self._log(f"{status}: {STATUS_MESSAGES[status]}")

    def _log(self, message: str, host: Host | None = None) -> None:
        self.logs.append(TRAINING_GROUP, (host or self.hosts[0]).stream, message)

    def _finish(self, primary: str, secondary: str, failure: str | None = None) -> None:
        now = time.time()
        job = self.job
        started = job.get("TrainingStartTime", now)
        changes: dict[str, Any] = {
            "TrainingEndTime": now,
            "TrainingTimeInSeconds": max(1, int(now - started)),
            "BillableTimeInSeconds": max(1, int(now - started - self.unbilled_seconds)),
        }
        if failure:
            changes["FailureReason"] = failure[:FAILURE_LIMIT]
            self._log(f"failure reason: {failure}")
        self.store.update("training_jobs", self.name, **changes)
        self._secondary(secondary, primary)

    # -- the job

    def _run(self) -> None:
        try:
            self._run_steps()
        finally:
            # Like the instance storage of a real job, downloaded input does not outlive it.
            for host in self.hosts:
                shutil.rmtree(host.root / "input" / "data", ignore_errors=True)

    def _run_steps(self) -> None:
        try:
            self._secondary("Starting")
            self._prepare()
            self._secondary("Downloading")
            self._download_channels()
            if self.stop_requested.is_set():
                self._finish("Stopped", "Stopped")
                return
            self.store.update("training_jobs", self.name, TrainingStartTime=time.time())
            self._secondary("Training")
            outcome = self._train()
            while outcome == "Interrupted":
                outcome = self._restart()
                if outcome is None:
                    self._secondary("Training")
                    outcome = self._train()
            if outcome is not None:
                self._finish("Stopped", outcome)
                return
            self._secondary("Uploading")
            self._upload_model()
            self._record_metrics()
            self._finish("Completed", "Completed")
        except Exception as error:  # the backend must never leave a job InProgress
            if self.stop_requested.is_set():  # a job asked to stop ends Stopped, as on the service
                self._finish("Stopped", "Stopped")
            elif isinstance(error, JobFailed):
                self._finish("Failed", "Failed", str(error))
            else:
                self._finish(
                    "Failed", "Failed", f"InternalServerError: {type(error).__name__}: {error}"
                )

    def _prepare(self) -> None:
        job = self.job
        channels = {}
        for channel in job.get("InputDataConfig", []):
            entry = {
                "TrainingInputMode": channel.get(
                    "InputMode", job["AlgorithmSpecification"].get("TrainingInputMode", "File")
                ),
                "S3DistributionType": channel["DataSource"]["S3DataSource"].get(
                    "S3DataDistributionType", "FullyReplicated"
                ),
                "RecordWrapperType": channel.get("RecordWrapperType", "None"),
            }
            if channel.get("ContentType"):
                entry["ContentType"] = channel["ContentType"]
            if channel.get("CompressionType"):
                entry["CompressionType"] = channel["CompressionType"]
            channels[channel["ChannelName"]] = entry
        instance_type = job.get("ResourceConfig", {}).get("InstanceType", "local")
        names = [host.name for host in self.hosts]
        for host in self.hosts:
            config = host.root / "input" / "config"
            for directory in ("input/data", "model", "output"):
                (host.root / directory).mkdir(parents=True, exist_ok=True)
            config.mkdir(parents=True, exist_ok=True)
            hyperparameters = job.get("HyperParameters", {})
            (config / "hyperparameters.json").write_text(json.dumps(hyperparameters))
            (config / "inputdataconfig.json").write_text(json.dumps(channels))
            resource = {
                "current_host": host.name,
                "hosts": names,
                "network_interface_name": "eth0",
                "current_instance_type": instance_type,
                "current_group_name": "homogeneousCluster",
                "instance_groups": [
                    {
                        "instance_group_name": "homogeneousCluster",
                        "instance_type": instance_type,
                        "hosts": names,
                    }
                ],
            }
            (config / "resourceconfig.json").write_text(json.dumps(resource))
            if job.get("CheckpointConfig"):
                host.checkpoints = CheckpointSync(
                    self.s3,
                    job["CheckpointConfig"],
                    host.root,
                    lambda message, host=host: self._log(message, host),
                )

    def _download_channels(self) -> None:
        for channel in self.job.get("InputDataConfig", []):
            source = channel["DataSource"]["S3DataSource"]
            uri = source["S3Uri"]
            if source.get("S3DataType", "S3Prefix") == "ManifestFile":
                objects = manifest_objects(self.s3, uri)
            else:
                objects = prefix_objects(self.s3, uri)
            if not objects:
                raise JobFailed(
                    f'ClientError: No S3 objects found under S3 URL "{uri}" given '
                    f"in input data source. Please ensure that the bucket exists in "
                    f"the selected region, that objects exist under that S3 prefix, "
                    f"and that the role has access to them."
                )
            sharded = source.get("S3DataDistributionType") == "ShardedByS3Key"
            for number, host in enumerate(self.hosts):
                share = objects[number :: len(self.hosts)] if sharded else objects
                self._download(channel["ChannelName"], share, host)
                of = f" (ShardedByS3Key: {len(share)} of {len(objects)})" if sharded else ""
                self._log(
                    f"channel {channel['ChannelName']}: {len(share)} objects from {uri}{of}", host
                )
        for host in self.hosts:
            if host.checkpoints is not None:
                host.checkpoints.restore()

    def _download(self, channel: str, objects: list[tuple[str, str, str]], host: Host) -> None:
        target = host.root / "input" / "data" / channel
        target.mkdir(parents=True, exist_ok=True)
        for bucket, key, relative in objects:
            destination = (target / relative).resolve()
            if not destination.is_relative_to(target.resolve()):
                raise JobFailed(f"ClientError: object key {key!r} escapes the channel directory")
            destination.parent.mkdir(parents=True, exist_ok=True)
            self.s3.download_file(bucket, key, str(destination))

    def _train(self) -> str | None:
        """Runs the train step on every host; returns None on success, "Interrupted" after
        a spot interruption, or the Stopped reason when stopped."""
        job = self.job
        image = job["AlgorithmSpecification"]["TrainingImage"]
        contract = {
            **job.get("Environment", {}),
            "TRAINING_JOB_NAME": self.name,
            "TRAINING_JOB_ARN": job["TrainingJobArn"],
        }
        try:
            spec = self.resolver.resolve(image)
        except LookupError as error:
            raise JobFailed(f"ClientError: {error}") from None
        readers = []
        processes: list[subprocess.Popen] = []
        try:
            for host in self.hosts:
                host.process = images.spawn(spec, "train", host.root, contract)
                processes.append(host.process)
                if host.checkpoints is not None:
                    host.checkpoints.start()
                reader = threading.Thread(target=self._pump_output, args=(host,), daemon=True)
                reader.start()
                readers.append(reader)
        except BaseException:  # a host that could not start: nothing of the others stays
            _terminate(processes)
            for host in self.hosts:
                if host.checkpoints is not None:
                    with contextlib.suppress(Exception):  # the start failure is what to report
                        host.checkpoints.finish()
            raise
        started = time.time()
        outcome = None
        failed: list[Host] = []  # the hosts that failed by themselves, before any was stopped
        while any(process.poll() is None for process in processes):
            outcome = self._ending(started)
            failed = [h for h in self.hosts if h.process and h.process.poll() not in (None, 0)]
            if outcome is not None or failed:
                if outcome in ("MaxRuntimeExceeded", "MaxWaitTimeExceeded"):
                    self._secondary("Stopping", "Stopping")
                _terminate(processes)  # SIGTERM, also for a reclaimed spot instance
                break
            time.sleep(0.05)
        for process in processes:
            process.wait()
        for reader in readers:
            reader.join(timeout=5)
        self.trained_seconds += time.time() - started
        for host in self.hosts:
            if host.checkpoints is not None:
                host.checkpoints.finish()
        if self.stop_requested.is_set():  # a stop that raced the processes' own exit
            return "Stopped"
        if outcome:
            return outcome
        for host in [*failed, *self.hosts]:
            self._check_exit(host)
        return None

    def _check_exit(self, host: Host) -> None:
        """JobFailed with the host's output/failure when its process failed."""
        assert host.process is not None  # _train started it
        code = host.process.returncode
        if code == 0:
            return
        failure = host.root / "output" / "failure"
        reason = failure.read_text(errors="replace").strip() if failure.exists() else ""
        if len(self.hosts) > 1:
            self._log(f"{host.name} failed (exit code {code})")
        raise JobFailed(
            f"AlgorithmError: {reason}"
            if reason
            else f"AlgorithmError: the training process exited with code {code}"
        )

    def _ending(self, started: float) -> str | None:
        """Why the running attempt (started at ``started``) must end now, if it must."""
        if self.stop_requested.is_set():
            return "Stopped"
        if self._past_wait_deadline():
            return "MaxWaitTimeExceeded"
        limit = self.job.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", 86400)
        if self.trained_seconds + time.time() - started > limit:
            return "MaxRuntimeExceeded"
        if self.interruptions is not None and self.interruptions_left > 0:
            uploads = max(h.checkpoints.uploads if h.checkpoints else 0 for h in self.hosts)
            if self.interruptions.due(uploads, time.time() - started):
                self.interruptions_left -= 1
                return "Interrupted"
        return None

    def _past_wait_deadline(self) -> bool:
        job = self.job
        wait = job.get("StoppingCondition", {}).get("MaxWaitTimeInSeconds")
        return (
            bool(job.get("EnableManagedSpotTraining"))
            and wait is not None
            and (time.time() > job["CreationTime"] + wait)
        )

    def _restart(self) -> str | None:
        """After a spot interruption: waits for capacity (Pending, not billed), then starts
        a fresh instance (Starting, Downloading). Returns None to train again, or why the job
        ends instead."""
        assert self.interruptions is not None  # only spot jobs with interruptions get here
        self._secondary("Interrupted")
        self._secondary("Pending")
        waited = time.time()
        while time.time() - waited < self.interruptions.capacity_wait_seconds:
            if self.stop_requested.is_set():
                return "Stopped"
            time.sleep(0.05)
        self.unbilled_seconds += time.time() - waited
        if self._past_wait_deadline():
            return "MaxWaitTimeExceeded"
        self._secondary("Starting")
        # New instances: nothing of the interrupted ones' storage but what S3 holds.
        for host in self.hosts:
            for directory in ("model", "output", "input/data"):
                shutil.rmtree(host.root / directory, ignore_errors=True)
                (host.root / directory).mkdir(parents=True)
        self._secondary("Downloading")
        self._download_channels()
        return "Stopped" if self.stop_requested.is_set() else None

    def _pump_output(self, host: Host) -> None:
        assert host.process is not None and host.process.stdout is not None  # piped by spawn
        first = host is self.hosts[0]
        for line in host.process.stdout:
            self._log(line, host)
            if first:
                self.metrics.observe(line, time.time())

    def _upload_model(self) -> None:
        """Every host's ``model/`` in one archive, as the service aggregates them."""
        job = self.job
        artifact = self.root / "model.tar.gz"
        added: dict[str, str] = {}
        with tarfile.open(artifact, "w:gz") as archive:
            for host in self.hosts:
                for path in sorted((host.root / "model").iterdir()):
                    if path.name in added:
                        self._log(
                            f"model/{path.name} of {host.name} clashes with {added[path.name]}'s "
                            "and is left out of the artifact"
                        )
                        continue
                    archive.add(path, arcname=path.name)
                    added[path.name] = host.name
        bucket, key = split_s3_uri(job["ModelArtifacts"]["S3ModelArtifacts"])
        self.s3.upload_file(str(artifact), bucket, key)
        artifact.unlink()

    def _record_metrics(self) -> None:
        """FinalMetricDataList: the last value of each metric the definitions found in the
        log, and what the image reported in ``output/metrics.json`` (a data point too)."""
        path = self.hosts[0].root / "output" / "metrics.json"
        reported = json.loads(path.read_text()) if path.exists() else {}
        found = final_values(self.metrics.path)
        now = time.time()
        for name, value in reported.items():
            if name not in found or found[name].value != value:
                self.metrics.record(name, value, now)
        final = final_values(self.metrics.path)
        if not final:
            return
        self.store.update(
            "training_jobs",
            self.name,
            FinalMetricDataList=[
                {"MetricName": point.name, "Value": point.value, "Timestamp": point.timestamp}
                for point in final.values()
            ],
        )


def _terminate(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to the processes still running; SIGKILL to those that ignore it for 10 s."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.time() + 10
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            process.kill()
