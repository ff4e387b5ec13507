"""What DescribeEndpoint says of an endpoint's variants, and the configuration they run
with: shared by endpoint creation (``api``) and updates (``endpoint_updates``)."""

from __future__ import annotations

import time

from smspark_local.service import hosting


def variant_summary(variant: dict) -> dict:
    """A new endpoint's view of a configured variant: instance counts, or for a serverless
    one its serverless configuration."""
    summary = {
        "VariantName": variant["VariantName"],
        "DeployedImages": [],
        "CurrentWeight": float(variant.get("InitialVariantWeight", 1.0)),
        "DesiredWeight": float(variant.get("InitialVariantWeight", 1.0)),
    }
    if variant.get("ServerlessConfig"):
        summary["DesiredServerlessConfig"] = variant["ServerlessConfig"]
    else:
        summary["CurrentInstanceCount"] = 0
        summary["DesiredInstanceCount"] = int(variant.get("InitialInstanceCount", 1))
    return summary


def current_config(record: dict) -> dict:
    """An endpoint's configuration with each variant's current weight and instance count
    (UpdateEndpointWeightsAndCapacities changes them after creation)."""
    summaries = {v["VariantName"]: v for v in record["ProductionVariants"]}
    variants = []
    for variant in record["_config"]["ProductionVariants"]:
        summary = summaries.get(variant["VariantName"], {})
        changed = dict(variant)
        if "DesiredWeight" in summary:
            changed["InitialVariantWeight"] = summary["DesiredWeight"]
        if "DesiredInstanceCount" in summary and "ServerlessConfig" not in variant:
            changed["InitialInstanceCount"] = summary["DesiredInstanceCount"]
        variants.append(changed)
    return {**record["_config"], "ProductionVariants": variants}


def mark_deployed(summaries: list[dict], config: dict, models: dict) -> None:
    """Fills in what DescribeEndpoint says of variants that now serve: their images and
    current capacity."""
    now = time.time()
    model_of = {v["VariantName"]: v["ModelName"] for v in config["ProductionVariants"]}
    for variant in summaries:
        model = models[model_of[variant["VariantName"]]]
        image = (model.get("PrimaryContainer") or model["Containers"][0])["Image"]
        variant["DeployedImages"] = [
            {"SpecifiedImage": image, "ResolvedImage": image, "ResolutionTime": now}
        ]
        variant["CurrentWeight"] = variant["DesiredWeight"]
        if "DesiredServerlessConfig" in variant:
            variant["CurrentServerlessConfig"] = variant["DesiredServerlessConfig"]
        else:
            variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"]


def failure_reason(error: Exception) -> str:
    reason = (
        str(error) if isinstance(error, hosting.HostingFailed) else f"InternalServerError: {error}"
    )
    return reason[:1024]
