"""CloudWatch metrics of local training jobs: ``ListMetrics`` and ``GetMetricStatistics`` in
namespace ``/aws/sagemaker/TrainingJobs`` with the dimension ``TrainingJobName``, over the
data points their MetricDefinitions found (``smspark_local.service.metrics``). This is what
the SageMaker SDK's ``training_job_analytics`` reads."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from smspark_local.service.errors import ApiError
from smspark_local.service.metrics import JOB_DIMENSION, NAMESPACE, MetricPoint, points

STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")


class CloudWatchMetrics:
    """The two operations, over the job directories under ``jobs_root``."""

    def __init__(self, jobs_root: Path) -> None:
        self.jobs_root = jobs_root

    def operations(self) -> dict[str, Callable[[dict], dict]]:
        return {"ListMetrics": self.ListMetrics, "GetMetricStatistics": self.GetMetricStatistics}

    def _points(self, job: str) -> list[MetricPoint]:
        if "/" in job or job in ("", ".", ".."):
            return []
        return points(self.jobs_root / job / "metrics.jsonl")

    def ListMetrics(self, request: dict) -> dict:  # noqa: N802 - the API's names
        if request.get("Namespace", NAMESPACE) != NAMESPACE:
            return {"Metrics": []}
        wanted = {d["Name"]: d.get("Value") for d in request.get("Dimensions", [])}
        if set(wanted) - {JOB_DIMENSION}:
            return {"Metrics": []}
        jobs = sorted(p.name for p in self.jobs_root.iterdir()) if self.jobs_root.exists() else []
        metrics = []
        for job in jobs:
            if wanted.get(JOB_DIMENSION) not in (None, job):
                continue
            for name in sorted({p.name for p in self._points(job)}):
                if request.get("MetricName") in (None, name):
                    metrics.append(
                        {
                            "Namespace": NAMESPACE,
                            "MetricName": name,
                            "Dimensions": [{"Name": JOB_DIMENSION, "Value": job}],
                        }
                    )
        return {"Metrics": metrics}

    def GetMetricStatistics(self, request: dict) -> dict:  # noqa: N802
        for field in ("Namespace", "MetricName", "StartTime", "EndTime", "Period"):
            if request.get(field) is None:
                raise ApiError(
                    "MissingParameter", f"The parameter {field} is required.", status=400
                )
        statistics = request.get("Statistics") or []
        unknown = [s for s in statistics if s not in STATISTICS]
        if not statistics or unknown:
            raise ApiError(
                "InvalidParameterValue",
                f"Statistics must name one or more of {', '.join(STATISTICS)}; got {statistics}",
            )
        if request.get("ExtendedStatistics"):
            raise ApiError(
                "InvalidParameterCombination",
                "ExtendedStatistics (percentiles) are not kept by the local backend",
            )
        period = int(request["Period"])
        if period < 1:
            raise ApiError("InvalidParameterValue", "The parameter Period must be at least 1.")
        dimensions = {d["Name"]: d["Value"] for d in request.get("Dimensions", [])}
        label = {"Label": request["MetricName"], "Datapoints": []}
        if request["Namespace"] != NAMESPACE or set(dimensions) != {JOB_DIMENSION}:
            return label
        start, end = _epoch(request["StartTime"]), _epoch(request["EndTime"])
        buckets: dict[int, list[float]] = {}
        for point in self._points(dimensions[JOB_DIMENSION]):
            if point.name == request["MetricName"] and start <= point.timestamp < end:
                bucket = int(start + math.floor((point.timestamp - start) / period) * period)
                buckets.setdefault(bucket, []).append(point.value)
        label["Datapoints"] = [
            _datapoint(bucket, values, statistics) for bucket, values in sorted(buckets.items())
        ]
        return label


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def _datapoint(bucket: int, values: list[float], statistics: list[str]) -> dict[str, Any]:
    every = {
        "SampleCount": float(len(values)),
        "Average": sum(values) / len(values),
        "Sum": float(sum(values)),
        "Minimum": min(values),
        "Maximum": max(values),
    }
    point: dict[str, Any] = {"Timestamp": datetime.fromtimestamp(bucket, timezone.utc)}
    point.update({name: every[name] for name in statistics})
    point["Unit"] = "None"
    return point
