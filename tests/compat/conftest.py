"""The compat tests import ``sagemaker_pyspark`` as a ported program does, with every
first-party algorithm plugin available and nothing else that may be installed."""

from algorithm_helpers import plugin_fixtures

plugin_host, local = plugin_fixtures(
    "kmeans", "pca", "linearlearner", "xgboost", "factorizationmachines", "lda"
)
