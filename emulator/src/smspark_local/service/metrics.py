"""Training metrics as SageMaker collects them: each ``MetricDefinitions`` regex is applied
to every line a training job logs, the first group of a match is the value, and the last
value of each metric is its final one (``FinalMetricDataList``). Every value is also kept as
a CloudWatch data point (namespace ``/aws/sagemaker/TrainingJobs``, dimension
``TrainingJobName``), which is what ``training_job_analytics`` reads back.

First-party images carry their definitions on their ``LocalImageSpec`` (the service fills
them in for its own algorithms); a custom image uses those of its request.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smspark_core.plugins.specs import LocalImageSpec
from smspark_local.service.errors import validation

NAMESPACE = "/aws/sagemaker/TrainingJobs"
JOB_DIMENSION = "TrainingJobName"


def definitions_for(request_definitions: list[dict] | None, spec: LocalImageSpec | None) -> list:
    """The definitions a job's log is read with: the request's, or else the first-party
    image's own. A regex that does not compile is refused as the service refuses it."""
    if request_definitions:
        for index, definition in enumerate(request_definitions, start=1):
            try:
                pattern = re.compile(definition["Regex"])
            except re.error as error:
                raise validation(
                    f"MetricDefinitions.{index} ({definition['Name']}): the regex "
                    f"{definition['Regex']!r} is invalid: {error}"
                ) from None
            if pattern.groups < 1:
                raise validation(
                    f"MetricDefinitions.{index} ({definition['Name']}): the regex "
                    f"{definition['Regex']!r} must capture the value in a group"
                )
        return [dict(d) for d in request_definitions]
    if spec is None:
        return []
    return [{"Name": name, "Regex": regex} for name, regex in spec.metric_definitions]


@dataclass(frozen=True)
class MetricPoint:
    name: str
    value: float
    timestamp: float


class MetricCollector:
    """Applies a job's definitions to its log lines and keeps the data points (in memory
    and in ``path``, JSON Lines, so that a reopened backend still answers for them)."""

    def __init__(self, definitions: list[dict], path: Path) -> None:
        self._patterns = [(d["Name"], re.compile(d["Regex"])) for d in definitions]
        self.path = path
        self._lock = threading.Lock()

    def observe(self, line: str, timestamp: float) -> None:
        for name, pattern in self._patterns:
            match = pattern.search(line)
            if match is None:
                continue
            try:
                value = float(match.group(1))
            except (TypeError, ValueError):
                continue  # as on the service: a match that is not a number is no data point
            self.record(name, value, timestamp)

    def record(self, name: str, value: float, timestamp: float) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a") as handle:
                handle.write(json.dumps({"name": name, "value": value, "t": timestamp}) + "\n")


def points(path: Path) -> list[MetricPoint]:
    """The data points recorded for one job, oldest first ([] when none)."""
    if not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines():
        if line:
            item: dict[str, Any] = json.loads(line)
            found.append(MetricPoint(item["name"], item["value"], item["t"]))
    return found


def final_values(path: Path) -> dict[str, MetricPoint]:
    """The last data point of each metric."""
    return {point.name: point for point in points(path)}
