"""Everything a plugin author needs, from one module::

    from smspark_core import sdk

    @sdk.hookimpl
    def register_serializers(register):
        register(sdk.SerializerSpec("my-format", MySerializer, sdk.CSV))

Spark-facing pieces (codec base classes, the algorithm estimator bases), an algorithm's
hyperparameter table (``sdk.HyperparameterTable`` and its entry kinds: the estimator's Params
come from it through ``sdk.hyperparameter_param``, the local image parses its job's strings
with it) and the container toolkit a local image is written with (its ``/opt/ml``
environment, training channels, request and response payloads) are all here. Names load on
first use, so a local image that imports ``sdk.TrainingEnvironment`` loads no pyspark.
"""

from __future__ import annotations

from smspark_core.foundation.lazy import lazy_exports

# Each module and the names it gives the SDK: the one list of what the SDK offers.
_MODULES = {
    "smspark_core.algorithms.estimator": [
        "AlgorithmEstimator",
        "AmazonAlgorithmEstimator",
        "MissingHyperParameterError",
    ],
    "smspark_core.algorithms.images": ["FIRST_PARTY_ACCOUNTS", "image_uri"],
    "smspark_core.algorithms.params": ["HyperParameter", "hyperparameter_param"],
    "smspark_core.codecs.hyperparameter_table": [
        "FEATURE_DIM",
        "MINI_BATCH_SIZE",
        "REQUIRED",
        "AutoOrNumber",
        "Boolean",
        "Choice",
        "HyperparameterError",
        "HyperparameterTable",
        "Integer",
        "Keywords",
        "Number",
        "Text",
    ],
    "smspark_core.algorithms.responses": ["AlgorithmResponseRowDeserializer"],
    "smspark_core.plugins.hookspecs": ["hookimpl"],
    "smspark_core.foundation.keywords": ["keyword_aliases"],
    "smspark_local.toolkit.channels": ["Batch", "ChannelFormatError", "iter_batches", "read_all"],
    "smspark_local.toolkit.container": [
        "InvocationError",
        "InvocationResponse",
        "TrainingEnvironment",
    ],
    "smspark_local.toolkit.payloads": [
        "encode_predictions",
        "first_party_handler",
        "negotiate",
        "parse_features",
    ],
    "smspark_core.foundation.media_types": [
        "CSV",
        "JSON",
        "JSONLINES",
        "PROTOBUF",
        "TEXT_LIBSVM",
        "media_type",
    ],
    "smspark_core.plugins.specs": [
        "AlgorithmSpec",
        "DeserializerSpec",
        "LocalImageSpec",
        "SerializerSpec",
    ],
    "smspark_core.transformation.deserializers": [
        "ProtobufResponseRowDeserializer",
        "ResponseRowDeserializer",
    ],
    "smspark_core.transformation.serializers": ["RequestRowSerializer"],
}

__all__ = sorted(name for names in _MODULES.values() for name in names)
__getattr__, __dir__ = lazy_exports(
    __name__, {name: module for module, names in _MODULES.items() for name in names}
)
