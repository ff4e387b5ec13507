"""UpdateEndpoint and UpdateEndpointWeightsAndCapacities on local endpoints.

UpdateEndpoint starts the new configuration's variants beside the old ones (status
Updating; requests keep going to the old servers), switches traffic once every new server
has passed ``/ping``, and only then stops the old servers, as the service's blue/green
update does. When the new servers fail to start, the endpoint stays on its old configuration,
InService, with the reason in ``FailureReason``. UpdateEndpointWeightsAndCapacities changes
the variants' weights (the traffic split) and instance counts in place.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from smspark_local.service import hosting
from smspark_local.service.endpoint_records import (
    current_config,
    failure_reason,
    mark_deployed,
    variant_summary,
)
from smspark_local.service.errors import not_found, validation
from smspark_local.service.model_validation import validate_request

if TYPE_CHECKING:
    from smspark_local.service.api import SageMakerApi

RETAINABLE = ("DesiredInstanceCount", "DesiredWeight", "DataCaptureConfig")


class EndpointUpdates:
    """The two update operations, over the api's endpoints and store."""

    def __init__(self, api: SageMakerApi) -> None:
        self.api = api

    def operations(self) -> dict[str, Callable[[dict], dict]]:
        return {
            "UpdateEndpoint": self.UpdateEndpoint,
            "UpdateEndpointWeightsAndCapacities": self.UpdateEndpointWeightsAndCapacities,
        }

    def _in_service(self, request: dict) -> dict:
        record = self.api.store.get("endpoints", request["EndpointName"])
        if record is None:
            raise not_found("endpoint", self.api.arn("endpoint", request["EndpointName"]))
        if record["EndpointStatus"] != "InService":
            raise validation(f'Cannot update in-progress endpoint "{record["EndpointArn"]}".')
        return record

    # ----------------------------------------------------------------- UpdateEndpoint

    def UpdateEndpoint(self, request: dict) -> dict:  # noqa: N802 - the API's names
        validate_request("UpdateEndpoint", request)
        for field in ("DeploymentConfig", "RetainDeploymentConfig"):
            if request.get(field):
                raise validation(
                    f"{field} is not supported by the local backend: it always starts the "
                    "new variants, shifts all traffic once they pass /ping, then stops the "
                    "old ones"
                )
        excluded = [
            p["VariantPropertyType"] for p in request.get("ExcludeRetainedVariantProperties", [])
        ]
        if excluded and not request.get("RetainAllVariantProperties"):
            raise validation(
                "ExcludeRetainedVariantProperties needs RetainAllVariantProperties set to true."
            )
        with self.api.store.lock:
            record = self._in_service(request)
            config = self.api._config(request["EndpointConfigName"])
            models = {}
            for variant in config["ProductionVariants"]:
                model = self.api.store.get("models", variant["ModelName"])
                if model is None:
                    raise validation(
                        f'Could not find model "{self.api.arn("model", variant["ModelName"])}".'
                    )
                models[variant["ModelName"]] = model
            summaries = _summaries(config)
            if request.get("RetainAllVariantProperties"):
                _retain(summaries, record["ProductionVariants"], excluded)
            self.api.store.update(
                "endpoints",
                record["EndpointName"],
                EndpointStatus="Updating",
                LastModifiedTime=time.time(),
            )
            record.pop("FailureReason", None)
        threading.Thread(
            target=self._switch,
            args=(record["EndpointName"], config, models, summaries),
            name=f"update-{record['EndpointName']}",
            daemon=True,
        ).start()
        return {"EndpointArn": record["EndpointArn"]}

    def _switch(self, name: str, config: dict, models: dict, summaries: list[dict]) -> None:
        record = self.api.store.get("endpoints", name)
        assert record is not None  # an Updating endpoint cannot be deleted
        generation = record.get("_generation", 0) + 1
        fresh = hosting.Endpoint(
            name, self.api.endpoint_root(name, generation), self.api.routing_seed
        )
        staged = {**record, "_config": config, "ProductionVariants": summaries}
        try:
            self.api.start_variants(fresh, current_config(staged), models)
        except Exception as error:
            fresh.stop()
            fresh.remove_files()
            self.api.store.update(
                "endpoints",
                name,
                EndpointStatus="InService",
                FailureReason=failure_reason(error),
                LastModifiedTime=time.time(),
            )
            return
        mark_deployed(summaries, config, models)
        old = self.api.endpoints.get(name)
        self.api.endpoints[name] = fresh  # new requests go to the new servers from here
        if old is not None:  # then the old servers finish what they were sent, and stop
            old.drain()
            old.stop()
            old.remove_files()
        self.api.store.update(
            "endpoints",
            name,
            EndpointConfigName=config["EndpointConfigName"],
            ProductionVariants=summaries,
            _config=config,
            _models=models,
            _generation=generation,
            EndpointStatus="InService",
            LastModifiedTime=time.time(),
        )

    # ----------------------------------------------------------------- weights and capacities

    def UpdateEndpointWeightsAndCapacities(self, request: dict) -> dict:  # noqa: N802
        validate_request("UpdateEndpointWeightsAndCapacities", request)
        with self.api.store.lock:
            record = self._in_service(request)
            summaries = {v["VariantName"]: v for v in record["ProductionVariants"]}
            for desired in request["DesiredWeightsAndCapacities"]:
                variant = summaries.get(desired["VariantName"])
                if variant is None:
                    raise validation(
                        f'The variant(s) "[{desired["VariantName"]}]" is/are not present on '
                        f"endpoint {record['EndpointName']}."
                    )
                if "DesiredInstanceCount" in desired and "DesiredServerlessConfig" in variant:
                    raise validation(
                        f"Variant {desired['VariantName']} is serverless: it takes "
                        "ServerlessUpdateConfig, not DesiredInstanceCount."
                    )
                if "ServerlessUpdateConfig" in desired and "DesiredServerlessConfig" not in variant:
                    raise validation(
                        f"Variant {desired['VariantName']} runs on instances: it takes "
                        "DesiredInstanceCount, not ServerlessUpdateConfig."
                    )
            self.api.store.update(
                "endpoints",
                record["EndpointName"],
                EndpointStatus="Updating",
                LastModifiedTime=time.time(),
            )
        threading.Thread(
            target=self._apply,
            args=(record["EndpointName"], request["DesiredWeightsAndCapacities"]),
            daemon=True,
        ).start()
        return {"EndpointArn": record["EndpointArn"]}

    def _apply(self, name: str, changes: list[dict[str, Any]]) -> None:
        endpoint = self.api.endpoints[name]
        failure = None
        with self.api.store.lock:
            record = self.api.store.get("endpoints", name)
            assert record is not None  # an Updating endpoint cannot be deleted
            summaries = {v["VariantName"]: v for v in record["ProductionVariants"]}
        for desired in changes:
            summary = summaries[desired["VariantName"]]
            if "DesiredWeight" in desired:
                weight = float(desired["DesiredWeight"])
                endpoint.weights[desired["VariantName"]] = weight
                summary["DesiredWeight"] = summary["CurrentWeight"] = weight
            if "DesiredInstanceCount" in desired:
                count = int(desired["DesiredInstanceCount"])
                summary["DesiredInstanceCount"] = count
                try:
                    endpoint.variants[desired["VariantName"]].resize(count, self.api.ping_timeout)
                    summary["CurrentInstanceCount"] = count
                except Exception as error:
                    failure = failure_reason(error)
            if "ServerlessUpdateConfig" in desired:
                serverless = {
                    **summary["DesiredServerlessConfig"],
                    **desired["ServerlessUpdateConfig"],
                }
                summary["DesiredServerlessConfig"] = summary["CurrentServerlessConfig"] = serverless
        changes_made: dict[str, Any] = {
            "ProductionVariants": list(summaries.values()),
            "EndpointStatus": "InService",
            "LastModifiedTime": time.time(),
        }
        if failure:
            changes_made["FailureReason"] = failure
        self.api.store.update("endpoints", name, **changes_made)


def _summaries(config: dict) -> list[dict]:
    return [variant_summary(v) for v in config["ProductionVariants"]]


def _retain(summaries: list[dict], current: list[dict], excluded: list[str]) -> None:
    """RetainAllVariantProperties: a variant of the same name keeps its current weight and
    instance count, except the properties ``excluded`` names."""
    by_name = {v["VariantName"]: v for v in current}
    for summary in summaries:
        old = by_name.get(summary["VariantName"])
        if old is None:
            continue
        if "DesiredWeight" not in excluded:
            summary["DesiredWeight"] = summary["CurrentWeight"] = old["DesiredWeight"]
        if (
            "DesiredInstanceCount" not in excluded
            and "DesiredInstanceCount" in summary
            and "DesiredInstanceCount" in old
        ):
            summary["DesiredInstanceCount"] = old["DesiredInstanceCount"]
