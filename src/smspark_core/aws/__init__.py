"""The driver's conversations with AWS: where clients come from (``clients``: the picklable
client spec executors rebuild their clients from), requests checked against botocore's
model (``service_model``), the resources' value types and names (``resources``), the
production options written into requests (``training_options``, ``hosting_options``), the
settings' Param type (``setting``) and how stages are saved (``persistence``), watching jobs
(``jobs``), hosting (``hosting``) and fit's driver-side checks (``preflight``).

The client spec's API is importable from here (``from smspark_core.aws import ClientSpec``)."""

from smspark_core.aws.clients import (
    ClientSpec,
    DriverClientSpec,
    SageMakerClients,
    default_client_spec,
    explicit_default_client_spec,
    install_default_client_spec,
    remove_default_client_spec,
    use_default_client_spec,
    with_driver_clients,
)

__all__ = [
    "ClientSpec",
    "DriverClientSpec",
    "SageMakerClients",
    "default_client_spec",
    "explicit_default_client_spec",
    "install_default_client_spec",
    "remove_default_client_spec",
    "use_default_client_spec",
    "with_driver_clients",
]
