"""Running a training job as a local process, following the SageMaker container contract.

Status moves as on the service: InProgress (Starting, Downloading, Training, Uploading) and
then Completed, Failed or Stopped (Stopping first). The job's output lines go to
CloudWatch Logs under ``/aws/sagemaker/TrainingJobs``, ``<job>/algo-1-<epoch>``.

With ``CheckpointConfig`` the checkpoint directory is restored and synced
(``smspark_local.service.checkpoints``). A managed spot training job can be interrupted
(``SpotInterruptions``): as on the service it goes Interrupted, then Pending while it waits
for spot capacity (the only time not billed: BillableTimeInSeconds < TrainingTimeInSeconds),
then Starting and Downloading on a fresh instance, and trains again from its checkpoints.
``MaxWaitTimeInSeconds`` bounds the whole (MaxWaitTimeExceeded), ``MaxRuntimeInSeconds``
the time spent training over all attempts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import threading
import time
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
        self.checkpoints: CheckpointSync | None = None
        self.unbilled_seconds = 0.0  # waiting for spot capacity
        self.trained_seconds = 0.0  # in the container, over all attempts (MaxRuntimeInSeconds)
        self.stream = f"{name}/algo-1-{int(time.time())}"
        self.metrics = MetricCollector(
            self.job["AlgorithmSpecification"].get("MetricDefinitions", []),
            root / "metrics.jsonl",
        )
        self.stop_requested = threading.Event()
        self.process: subprocess.Popen | None = None
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

    def _log(self, message: str) -> None:
        self.logs.append(TRAINING_GROUP, self.stream, message)

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
            shutil.rmtree(self.root / "input" / "data", ignore_errors=True)

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
        config = self.root / "input" / "config"
        for directory in (
            config,
            self.root / "input" / "data",
            self.root / "model",
            self.root / "output",
        ):
            directory.mkdir(parents=True, exist_ok=True)
        (config / "hyperparameters.json").write_text(json.dumps(job.get("HyperParameters", {})))
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
        (config / "inputdataconfig.json").write_text(json.dumps(channels))
        resource = {
            "current_host": "algo-1",
            "hosts": ["algo-1"],
            "network_interface_name": "eth0",
            "current_instance_type": job.get("ResourceConfig", {}).get("InstanceType", "local"),
        }
        (config / "resourceconfig.json").write_text(json.dumps(resource))
        if job.get("CheckpointConfig"):
            self.checkpoints = CheckpointSync(
                self.s3, job["CheckpointConfig"], self.root, self._log
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
            target = self.root / "input" / "data" / channel["ChannelName"]
            for bucket, key, relative in objects:
                destination = (target / relative).resolve()
                if not destination.is_relative_to(target.resolve()):
                    raise JobFailed(
                        f"ClientError: object key {key!r} escapes the channel directory"
                    )
                destination.parent.mkdir(parents=True, exist_ok=True)
                self.s3.download_file(bucket, key, str(destination))
            self._log(f"channel {channel['ChannelName']}: {len(objects)} objects from {uri}")
        if self.checkpoints is not None:
            self.checkpoints.restore()

    def _train(self) -> str | None:
        """Runs the train step; returns None on success, "Interrupted" after a spot
        interruption, or the Stopped reason when stopped."""
        job = self.job
        image = job["AlgorithmSpecification"]["TrainingImage"]
        try:
            spec = self.resolver.resolve(image)
            self.process = images.spawn(
                spec,
                "train",
                self.root,
                {
                    **job.get("Environment", {}),
                    "TRAINING_JOB_NAME": self.name,
                    "TRAINING_JOB_ARN": job["TrainingJobArn"],
                },
            )
        except LookupError as error:
            raise JobFailed(f"ClientError: {error}") from None
        if self.checkpoints is not None:
            self.checkpoints.start()
        reader = threading.Thread(target=self._pump_output, args=(self.process,), daemon=True)
        reader.start()
        started = time.time()
        outcome = None
        while self.process.poll() is None:
            outcome = self._ending(started)
            if outcome is not None:
                if outcome in ("MaxRuntimeExceeded", "MaxWaitTimeExceeded"):
                    self._secondary("Stopping", "Stopping")
                self.process.terminate()  # SIGTERM, also for a reclaimed spot instance
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                break
            time.sleep(0.05)
        self.process.wait()
        reader.join(timeout=5)
        self.trained_seconds += time.time() - started
        if self.checkpoints is not None:
            self.checkpoints.finish()
        if self.stop_requested.is_set():  # a stop that raced the process's own exit
            return "Stopped"
        if outcome:
            return outcome
        if self.process.returncode != 0:
            failure = self.root / "output" / "failure"
            reason = failure.read_text(errors="replace").strip() if failure.exists() else ""
            raise JobFailed(
                f"AlgorithmError: {reason}"
                if reason
                else "AlgorithmError: the training process exited with code "
                f"{self.process.returncode}"
            )
        return None

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
            uploads = self.checkpoints.uploads if self.checkpoints is not None else 0
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
        # A new instance: nothing of the interrupted one's storage but what S3 holds.
        for directory in ("model", "output", "input/data"):
            shutil.rmtree(self.root / directory, ignore_errors=True)
            (self.root / directory).mkdir(parents=True)
        self._secondary("Downloading")
        self._download_channels()
        return "Stopped" if self.stop_requested.is_set() else None

    def _pump_output(self, process: subprocess.Popen) -> None:
        assert process.stdout is not None  # images.spawn pipes stdout
        for line in process.stdout:
            self._log(line)
            self.metrics.observe(line, time.time())

    def _upload_model(self) -> None:
        job = self.job
        artifact = self.root / "model.tar.gz"
        with tarfile.open(artifact, "w:gz") as archive:
            for path in sorted((self.root / "model").iterdir()):
                archive.add(path, arcname=path.name)
        bucket, key = split_s3_uri(job["ModelArtifacts"]["S3ModelArtifacts"])
        self.s3.upload_file(str(artifact), bucket, key)
        artifact.unlink()

    def _record_metrics(self) -> None:
        """FinalMetricDataList: the last value of each metric the definitions found in the
        log, and what the image reported in ``output/metrics.json`` (a data point too)."""
        path = self.root / "output" / "metrics.json"
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
