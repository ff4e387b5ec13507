"""``LDASageMakerEstimator``: SageMaker LDA as a Spark ML estimator.

Params are the container's hyperparameter keys with the original's accessors
(``setNumTopics``, ``setAlpha0``, ``setMaxRestarts``, ``setMaxIterations``, ``setTol``).
As in the original there are no client-side defaults; ``num_topics`` and
``mini_batch_size`` are required (``feature_dim``, the vocabulary size, is taken from the
data when unset). The image ``lda:1`` lives in its own accounts (``LDA_ACCOUNTS``).
"""

from __future__ import annotations

from typing import ClassVar

from smspark_core.algorithms.estimator import AmazonAlgorithmEstimator
from smspark_core.algorithms.images import LDA_ACCOUNTS
from smspark_core.algorithms.params import add_accessors, float_param, int_param
from smspark_lda.deserializer import LDAProtobufResponseRowDeserializer


class LDASageMakerEstimator(AmazonAlgorithmEstimator):
    """Trains SageMaker LDA (image ``lda:1``) on word-count vectors and returns a
    ``SageMakerModel`` that appends each document's ``topic_mixture``."""

    image_repository: ClassVar[str] = "lda"
    registry_accounts = LDA_ACCOUNTS
    required_params: ClassVar[tuple[str, ...]] = ("feature_dim", "num_topics", "mini_batch_size")

    num_topics = int_param("num_topics", "The number of topics to find.", low=1)
    alpha0 = float_param(
        "alpha0", "The sum of the Dirichlet prior of topic mixtures.", 0.0, low_open=True
    )
    max_restarts = int_param("max_restarts", "Restarts of the optimisation.", low=1)
    max_iterations = int_param("max_iterations", "Iterations of the optimisation.", low=1)
    tol = float_param("tol", "Error tolerance of the optimisation.", 0.0, low_open=True)

    @classmethod
    def default_deserializer(cls) -> LDAProtobufResponseRowDeserializer:
        return LDAProtobufResponseRowDeserializer()


# setNumTopics, setAlpha0, setMaxRestarts, setMaxIterations, setTol and their getters.
add_accessors(LDASageMakerEstimator)
