"""CloudWatch Logs for local training jobs, transform jobs and endpoints, served through the
real API (``GetLogEvents``, ``DescribeLogStreams``, ``DescribeLogGroups``,
``FilterLogEvents``) under the real group names, so
log-streaming code is the same locally and on AWS."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from smspark_local.service.errors import ApiError

TRAINING_GROUP = "/aws/sagemaker/TrainingJobs"
TRANSFORM_GROUP = "/aws/sagemaker/TransformJobs"


def endpoint_group(endpoint: str) -> str:
    return f"/aws/sagemaker/Endpoints/{endpoint}"


def _now_ms() -> int:
    return int(time.time() * 1000)


class LogStore:
    """Log events by group and stream, appended to JSON Lines files under ``root``."""

    def __init__(self, root: Path, region: str, account: str) -> None:
        self.root = root
        self.region, self.account = region, account
        self._lock = threading.Lock()
        self._events: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._created: dict[tuple[str, str], int] = {}
        for path in sorted(root.glob("*/*.jsonl")) if root.exists() else []:
            key = (_unquote(path.parent.name), _unquote(path.stem))
            lines = path.read_text().splitlines()
            self._events[key] = [json.loads(line) for line in lines if line]
            self._created[key] = self._events[key][0]["timestamp"] if lines else _now_ms()

    def _file(self, group: str, stream: str) -> Path:
        return self.root / _quote(group) / f"{_quote(stream)}.jsonl"

    def append(self, group: str, stream: str, message: str) -> None:
        now = _now_ms()
        event = {"timestamp": now, "message": message.rstrip("\n"), "ingestionTime": now}
        with self._lock:
            key = (group, stream)
            self._events.setdefault(key, []).append(event)
            self._created.setdefault(key, now)
            path = self._file(group, stream)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a") as handle:
                handle.write(json.dumps(event) + "\n")

    def _group_streams(self, group: str) -> list[str]:
        streams = sorted(s for g, s in self._events if g == group)
        if not streams:
            raise ApiError("ResourceNotFoundException", "The specified log group does not exist.")
        return streams

    def get_log_events(self, request: dict[str, Any]) -> dict[str, Any]:
        group, stream = request["logGroupName"], request["logStreamName"]
        with self._lock:
            self._group_streams(group)
            if (group, stream) not in self._events:
                raise ApiError(
                    "ResourceNotFoundException", "The specified log stream does not exist."
                )
            events = list(self._events[(group, stream)])
        start, end = request.get("startTime"), request.get("endTime")
        positions = [
            i
            for i, e in enumerate(events)
            if (start is None or e["timestamp"] >= start) and (end is None or e["timestamp"] < end)
        ]
        limit = int(request.get("limit") or 10000)
        token = request.get("nextToken")
        if token:
            direction, _, index = token.partition("/")
            index = int(index)
            positions = (
                [p for p in positions if p >= index][:limit]
                if direction == "f"
                else [p for p in positions if p < index][-limit:]
            )
        elif request.get("startFromHead"):
            positions = positions[:limit]
        else:
            positions = positions[-limit:]
        first = positions[0] if positions else (int(token.partition("/")[2]) if token else 0)
        after = positions[-1] + 1 if positions else first
        return {
            "events": [events[p] for p in positions],
            "nextForwardToken": f"f/{after:056d}",
            "nextBackwardToken": f"b/{first:056d}",
        }

    def describe_log_streams(self, request: dict[str, Any]) -> dict[str, Any]:
        group = request["logGroupName"]
        prefix = request.get("logStreamNamePrefix", "")
        with self._lock:
            streams = [s for s in self._group_streams(group) if s.startswith(prefix)]
            described = []
            for stream in streams:
                events = self._events[(group, stream)]
                item: dict[str, Any] = {
                    "logStreamName": stream,
                    "creationTime": self._created[(group, stream)],
                    "arn": f"arn:aws:logs:{self.region}:{self.account}:log-group:{group}:"
                    f"log-stream:{stream}",
                    "storedBytes": sum(len(e["message"]) for e in events),
                }
                if events:
                    item.update(
                        firstEventTimestamp=events[0]["timestamp"],
                        lastEventTimestamp=events[-1]["timestamp"],
                        lastIngestionTime=events[-1]["ingestionTime"],
                    )
                described.append(item)
        if request.get("orderBy") == "LastEventTime":
            described.sort(key=lambda s: s.get("lastEventTimestamp", 0))
        if request.get("descending"):
            described.reverse()
        start = int(request.get("nextToken") or 0)
        limit = int(request.get("limit") or 50)
        page = described[start : start + limit]
        result: dict[str, Any] = {"logStreams": page}
        if start + limit < len(described):
            result["nextToken"] = str(start + limit)
        return result

    def describe_log_groups(self, request: dict[str, Any]) -> dict[str, Any]:
        """The groups that hold streams, by name (``logGroupNamePrefix`` or
        ``logGroupNamePattern`` filter them), paged with ``limit`` and ``nextToken``."""
        prefix = request.get("logGroupNamePrefix", "")
        pattern = request.get("logGroupNamePattern")
        if prefix and pattern:
            raise ApiError(
                "InvalidParameterException",
                "logGroupNamePrefix and logGroupNamePattern are mutually exclusive.",
            )
        with self._lock:
            groups = sorted({g for g, _ in self._events})
            described = []
            for group in groups:
                if not group.startswith(prefix) or (pattern and pattern not in group):
                    continue
                keys = [k for k in self._events if k[0] == group]
                described.append(
                    {
                        "logGroupName": group,
                        "creationTime": min(self._created[k] for k in keys),
                        "metricFilterCount": 0,
                        "arn": f"arn:aws:logs:{self.region}:{self.account}:log-group:{group}:*",
                        "storedBytes": sum(
                            len(e["message"]) for k in keys for e in self._events[k]
                        ),
                        "logGroupClass": "STANDARD",
                        "logGroupArn": f"arn:aws:logs:{self.region}:{self.account}:log-group:"
                        f"{group}",
                    }
                )
        return _paged(described, request, "logGroups", 50)

    def filter_log_events(self, request: dict[str, Any]) -> dict[str, Any]:
        """Events of a group, of every stream or those named (``logStreamNames``,
        ``logStreamNamePrefix``), between ``startTime`` and ``endTime``, holding every term
        of ``filterPattern`` (CloudWatch's plain-term patterns; a quoted phrase is one term),
        in time order."""
        group = request["logGroupName"]
        names, prefix = request.get("logStreamNames"), request.get("logStreamNamePrefix")
        if names and prefix:
            raise ApiError(
                "InvalidParameterException",
                "logStreamNames and logStreamNamePrefix are mutually exclusive.",
            )
        terms = _pattern_terms(request.get("filterPattern", ""))
        start, end = request.get("startTime"), request.get("endTime")
        with self._lock:
            streams = self._group_streams(group)
            found = []
            for stream in streams:
                if (names and stream not in names) or (prefix and not stream.startswith(prefix)):
                    continue
                for index, event in enumerate(self._events[(group, stream)]):
                    if start is not None and event["timestamp"] < start:
                        continue
                    if end is not None and event["timestamp"] > end:
                        continue
                    if all(term in event["message"] for term in terms):
                        found.append(
                            {
                                "logStreamName": stream,
                                "timestamp": event["timestamp"],
                                "message": event["message"],
                                "ingestionTime": event["ingestionTime"],
                                "eventId": f"{stream}/{index}",
                            }
                        )
        found.sort(key=lambda e: (e["timestamp"], e["logStreamName"]))
        return _paged(found, request, "events", 10000)


def _pattern_terms(pattern: str) -> list[str]:
    """The terms of a plain filter pattern (``ERROR "model server"``); JSON and
    space-delimited patterns (``{ ... }``, ``[ ... ]``) are refused, not misread."""
    pattern = pattern.strip()
    if pattern.startswith(("{", "[")):
        raise ApiError(
            "InvalidParameterException",
            "JSON and space-delimited filter patterns are not supported by the local backend; "
            "use terms or quoted phrases",
        )
    terms, rest = [], pattern
    while rest:
        rest = rest.lstrip()
        if rest.startswith('"'):
            closing = rest.find('"', 1)
            if closing < 0:
                raise ApiError("InvalidParameterException", f"unclosed quote in {pattern!r}")
            terms.append(rest[1:closing])
            rest = rest[closing + 1 :]
        elif rest:
            term, _, rest = rest.partition(" ")
            terms.append(term)
    return [t for t in terms if t]


def _paged(items: list[dict[str, Any]], request: dict[str, Any], key: str, default: int) -> dict:
    token = request.get("nextToken")
    if token and not (str(token).isdigit() and int(token) <= len(items)):
        raise ApiError("InvalidParameterException", f"The nextToken {token!r} is not valid.")
    start = int(token or 0)
    limit = int(request.get("limit") or default)
    answer: dict[str, Any] = {key: items[start : start + limit]}
    if start + limit < len(items):
        answer["nextToken"] = str(start + limit)
    return answer


def _quote(name: str) -> str:
    return name.replace("%", "%25").replace("/", "%2F")


def _unquote(name: str) -> str:
    return name.replace("%2F", "/").replace("%25", "%")
