"""The transform-job operations of the local control plane: CreateTransformJob,
DescribeTransformJob, ListTransformJobs (paginated, filtered, sorted) and StopTransformJob.

Requests are checked against botocore's model first (``model_validation``), then against
the rules the service adds (the model exists, a job name is used once, MaxPayloadInMB at
most 100 and MaxConcurrentTransforms × MaxPayloadInMB at most 100). Status moves
InProgress → Completed or Failed, or InProgress → Stopping → Stopped; the run itself is
``transform_run.TransformRun``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from smspark_local.service.errors import ApiError, not_found, validation
from smspark_local.service.model_validation import validate_request
from smspark_local.service.transform_run import DEFAULT_PAYLOAD_MB, TransformRun

if TYPE_CHECKING:
    from smspark_local.service.api import SageMakerApi

MAX_PAYLOAD_MB = 100
SUPPORTED_DATA_TYPES = ("S3Prefix", "ManifestFile")
SUPPORTED_SPLITS = ("None", "Line", "RecordIO")
SUMMARY_FIELDS = (
    "TransformJobName",
    "TransformJobArn",
    "CreationTime",
    "TransformEndTime",
    "LastModifiedTime",
    "TransformJobStatus",
    "FailureReason",
)


class TransformJobs:
    """Transform jobs on the backend's state; ``api`` gives store, logs, images, S3, faults."""

    def __init__(self, api: SageMakerApi) -> None:
        self.api = api
        self.runs: dict[str, TransformRun] = {}

    def operations(self) -> dict[str, Callable[[dict], dict]]:
        return {
            "CreateTransformJob": self.create,
            "DescribeTransformJob": self.describe,
            "ListTransformJobs": self.list,
            "StopTransformJob": self.stop,
        }

    # ----------------------------------------------------------------- lifecycle

    def resume(self) -> None:
        """A job that was running when the backend stopped is Failed, as a lost instance."""
        for job in self.api.store.all("transform_jobs"):
            if job["TransformJobStatus"] in ("InProgress", "Stopping"):
                self.api.store.update(
                    "transform_jobs",
                    job["TransformJobName"],
                    TransformJobStatus="Failed",
                    TransformEndTime=time.time(),
                    FailureReason=(
                        "InternalServerError: the local backend stopped while the job ran"
                    ),
                )

    def close(self) -> None:
        for run in list(self.runs.values()):
            run.stop()
        for run in list(self.runs.values()):
            run.thread.join(timeout=15)

    # ----------------------------------------------------------------- operations

    def create(self, request: dict) -> dict:
        validate_request("CreateTransformJob", request)
        name = request["TransformJobName"]
        source = request["TransformInput"]["DataSource"]["S3DataSource"]
        if source["S3DataType"] not in SUPPORTED_DATA_TYPES:
            raise validation(
                f"S3DataType {source['S3DataType']} is not supported by the local backend "
                f"(supported: {', '.join(SUPPORTED_DATA_TYPES)})"
            )
        split = request["TransformInput"].get("SplitType", "None")
        if split not in SUPPORTED_SPLITS:
            raise validation(
                f"SplitType {split} is not supported by the local backend "
                f"(supported: {', '.join(SUPPORTED_SPLITS)})"
            )
        payload = request.get("MaxPayloadInMB", DEFAULT_PAYLOAD_MB)
        if payload > MAX_PAYLOAD_MB:
            raise validation(f"MaxPayloadInMB must be less than or equal to {MAX_PAYLOAD_MB}.")
        concurrency = request.get("MaxConcurrentTransforms") or 1
        if concurrency * payload > MAX_PAYLOAD_MB:
            raise validation(
                "The value of (MaxConcurrentTransforms * MaxPayloadInMB) cannot exceed "
                f"{MAX_PAYLOAD_MB} MB: {concurrency} * {payload} = {concurrency * payload}"
            )
        model = self.api.store.get("models", request["ModelName"])
        if model is None:
            raise not_found("model", self.api.arn("model", request["ModelName"]))
        arn = self.api.arn("transform-job", name)
        now = time.time()
        with self.api.store.lock:
            if self.api.store.get("transform_jobs", name):
                raise ApiError(
                    "ResourceInUse",
                    "Job name must be unique within an AWS account and region, and a job "
                    f"with this name already exists ({arn})",
                )
            job = {
                key: request[key]
                for key in (
                    "ModelName",
                    "MaxConcurrentTransforms",
                    "ModelClientConfig",
                    "MaxPayloadInMB",
                    "BatchStrategy",
                    "Environment",
                    "TransformInput",
                    "TransformOutput",
                    "DataCaptureConfig",
                    "TransformResources",
                    "DataProcessing",
                    "ExperimentConfig",
                )
                if key in request
            }
            job.update(
                TransformJobName=name,
                TransformJobArn=arn,
                TransformJobStatus="InProgress",
                CreationTime=now,
                _LastModifiedTime=now,
                _model=model,
            )
            self.api.tags.created(arn, request.get("Tags"))
            self.api.store.put("transform_jobs", name, job)
        model_name = request["ModelName"]
        run = TransformRun(
            name,
            self.api.store,
            self.api.logs,
            self.api.resolver,
            self.api.s3,
            self.api.root / "transform-jobs" / name,
            lambda: self.api.faults.get(model_name),
            self.api.ping_timeout,
        )
        self.runs[name] = run
        run.start()
        return {"TransformJobArn": arn}

    def _job(self, request: dict, operation: str) -> dict:
        validate_request(operation, request)
        job = self.api.store.get("transform_jobs", request["TransformJobName"])
        if job is None:
            raise not_found(
                "transform job", self.api.arn("transform-job", request["TransformJobName"])
            )
        return job

    def describe(self, request: dict) -> dict:
        with self.api.store.lock:
            record = json.loads(json.dumps(self._job(request, "DescribeTransformJob")))
        return {k: v for k, v in record.items() if not k.startswith("_")}

    def stop(self, request: dict) -> dict:
        job = self._job(request, "StopTransformJob")
        if job["TransformJobStatus"] in ("Completed", "Failed", "Stopped"):
            raise validation(
                "The request was rejected because the transform job is in status "
                f"{job['TransformJobStatus']}."
            )
        run = self.runs.get(job["TransformJobName"])
        if run is not None:
            run.stop()
        return {}

    def list(self, request: dict) -> dict:
        from smspark_local.service.api import _page

        validate_request("ListTransformJobs", request)
        jobs = self.api.store.all("transform_jobs")
        bounds = (
            ("CreationTimeAfter", "CreationTime", float.__gt__),
            ("CreationTimeBefore", "CreationTime", float.__lt__),
            ("LastModifiedTimeAfter", "_LastModifiedTime", float.__gt__),
            ("LastModifiedTimeBefore", "_LastModifiedTime", float.__lt__),
        )
        for option, field, keep in bounds:
            if request.get(option) is not None:
                limit = float(request[option])
                jobs = [j for j in jobs if keep(float(j[field]), limit)]
        if request.get("NameContains"):
            jobs = [j for j in jobs if request["NameContains"] in j["TransformJobName"]]
        if request.get("StatusEquals"):
            jobs = [j for j in jobs if j["TransformJobStatus"] == request["StatusEquals"]]
        key = {"Name": "TransformJobName", "Status": "TransformJobStatus"}.get(
            request.get("SortBy", ""), "CreationTime"
        )
        jobs.sort(
            key=lambda j: j[key], reverse=request.get("SortOrder", "Descending") == "Descending"
        )
        summaries = [
            {
                field: job[f"_{field}" if field == "LastModifiedTime" else field]
                for field in SUMMARY_FIELDS
                if (f"_{field}" if field == "LastModifiedTime" else field) in job
            }
            for job in jobs
        ]
        return _page(summaries, request, "TransformJobSummaries")
