"""Tags of the local resources (AddTags, ListTags, DeleteTags), by resource ARN.

The tags given at creation (``Tags`` of CreateTrainingJob, CreateModel,
CreateEndpointConfig, CreateEndpoint and CreateTransformJob) are the first ones; AddTags
overwrites a key's value; a resource's tags go with it when it is deleted. As on the service
a resource holds at most 50 tags, and keys starting with ``aws:`` are reserved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from smspark_local.service.errors import validation
from smspark_local.service.store import Store

MAX_TAGS = 50
ARN_PATTERN = re.compile(r"^arn:aws[a-z\-]*:sagemaker:[^:]+:\d{12}:([a-z\-]+)/(.+)$")
# The resource kinds that carry tags here, by the kind in their ARN.
STORE_KINDS = {
    "training-job": "training_jobs",
    "model": "models",
    "endpoint-config": "endpoint_configs",
    "endpoint": "endpoints",
    "transform-job": "transform_jobs",
}
ARN_KEYS = {
    "training_jobs": "TrainingJobArn",
    "models": "ModelArn",
    "endpoint_configs": "EndpointConfigArn",
    "endpoints": "EndpointArn",
    "transform_jobs": "TransformJobArn",
}


class Tags:
    """The tag operations over a ``Store`` (kind ``tags``, by ARN)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def operations(self) -> dict[str, Callable[[dict], dict]]:
        return {"AddTags": self.AddTags, "ListTags": self.ListTags, "DeleteTags": self.DeleteTags}

    # ----------------------------------------------------------------- resources' side

    def created(self, arn: str, tags: list[dict[str, str]] | None) -> None:
        """Records the tags a resource was created with (checked like AddTags')."""
        self._check(tags or [])
        self._save(arn, {t["Key"]: t["Value"] for t in tags or []})

    def deleted(self, arn: str) -> None:
        self.store.delete("tags", arn)

    # ----------------------------------------------------------------- operations

    def AddTags(self, request: dict) -> dict:  # noqa: N802 - the API's names
        arn = self._existing(request["ResourceArn"])
        current = self._current(arn)
        self._check(request["Tags"])
        merged = {**current, **{t["Key"]: t["Value"] for t in request["Tags"]}}
        if len(merged) > MAX_TAGS:
            raise validation(
                f"You can't add {len(merged) - len(current)} tags to {arn}: it has "
                f"{len(current)} and a resource can have at most {MAX_TAGS}."
            )
        self._save(arn, merged)
        return {"Tags": request["Tags"]}

    def ListTags(self, request: dict) -> dict:  # noqa: N802
        arn = self._existing(request["ResourceArn"])
        tags = [{"Key": k, "Value": v} for k, v in self._current(arn).items()]
        token = request.get("NextToken")
        if token and not (token.isdigit() and int(token) <= len(tags)):
            raise validation(f"Invalid pagination token: '{token}'.")
        start = int(token or 0)
        limit = int(request.get("MaxResults") or MAX_TAGS)
        answer: dict[str, Any] = {"Tags": tags[start : start + limit]}
        if start + limit < len(tags):
            answer["NextToken"] = str(start + limit)
        return answer

    def DeleteTags(self, request: dict) -> dict:  # noqa: N802
        arn = self._existing(request["ResourceArn"])
        current = self._current(arn)
        for key in request["TagKeys"]:
            current.pop(key, None)  # as on the service, a key it does not have is no error
        self._save(arn, current)
        return {}

    # ----------------------------------------------------------------- helpers

    def _existing(self, arn: str) -> str:
        """``arn`` if it names a local resource that can carry tags; else the service's
        ValidationException."""
        match = ARN_PATTERN.match(arn)
        kind = STORE_KINDS.get(match.group(1)) if match else None
        if kind is None:
            raise validation(
                f"The ARN {arn} does not name a training job, model, endpoint configuration, "
                "endpoint or transform job."
            )
        key = ARN_KEYS[kind]
        if not any(record.get(key) == arn for record in self.store.all(kind)):
            raise validation(f"Resource {arn} does not exist.")
        return arn

    def _current(self, arn: str) -> dict[str, str]:
        return dict(self.store.get("tags", arn) or {})

    def _save(self, arn: str, tags: dict[str, str]) -> None:
        if tags:
            self.store.put("tags", arn, tags)
        else:
            self.store.delete("tags", arn)

    @staticmethod
    def _check(tags: list[dict[str, str]]) -> None:
        if len(tags) > MAX_TAGS:
            raise validation(f"A resource can have at most {MAX_TAGS} tags; {len(tags)} given.")
        reserved = [t["Key"] for t in tags if t["Key"].lower().startswith("aws:")]
        if reserved:
            raise validation(
                f"Tag keys starting with 'aws:' are reserved for AWS use: {', '.join(reserved)}"
            )
