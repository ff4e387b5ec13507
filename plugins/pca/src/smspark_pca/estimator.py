"""``PCASageMakerEstimator``: SageMaker PCA as a Spark ML estimator.

Params are the container's hyperparameter keys with the original's accessors. As in the
original's Python wrapper, ``subtract_mean`` defaults to True on the client (and is sent);
``mini_batch_size`` defaults to 1000. ``setSubtractMean`` takes Python booleans as well as
``'True'``/``'False'``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from smspark_core.algorithms.estimator import AmazonAlgorithmEstimator
from smspark_core.algorithms.images import FIRST_PARTY_ACCOUNTS
from smspark_core.algorithms.params import (
    HyperParameter,
    add_accessors,
    bool_param,
    choice_param,
    compared_number,
    int_param,
    strict_int,
)
from smspark_pca.deserializer import PCAProtobufResponseRowDeserializer


def _extra_components(value: Any) -> int:
    """-1 or an integer >= 1, checked in the original's order (range, then integer) so that
    0.5 is a ``ValueError`` and 1.5 a ``TypeError``, as there."""
    number = compared_number(value, "an integer")
    if number != -1 and number < 1:
        raise ValueError(f"must be -1 or an integer >= 1, got {value!r}")
    return strict_int(value)


class PCASageMakerEstimator(AmazonAlgorithmEstimator):
    """Trains SageMaker PCA (image ``pca:1``) and returns a ``SageMakerModel`` that appends
    the ``projection`` vector."""

    image_repository: ClassVar[str] = "pca"
    registry_accounts = FIRST_PARTY_ACCOUNTS
    required_params: ClassVar[tuple[str, ...]] = (
        "feature_dim",
        "num_components",
        "mini_batch_size",
    )

    num_components = int_param("num_components", "The number of principal components.", low=1)
    algorithm_mode = choice_param(
        "algorithm_mode",
        "regular (exact), randomized (for very many features), or stable (as regular).",
        ("regular", "stable", "randomized"),
    )
    subtract_mean = bool_param("subtract_mean", "Whether to centre the data first.")
    extra_components = HyperParameter(
        "extra_components",
        "Extra directions of the randomized mode's sketch; -1 means max(10, num_components).",
        _extra_components,
        "-1 or an integer >= 1",
        lambda v: v == -1 or v >= 1,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._setDefault(mini_batch_size=1000, subtract_mean=True)

    @classmethod
    def default_deserializer(cls) -> PCAProtobufResponseRowDeserializer:
        return PCAProtobufResponseRowDeserializer()


# setNumComponents, setAlgorithmMode, setSubtractMean, setExtraComponents and their getters.
add_accessors(PCASageMakerEstimator)
