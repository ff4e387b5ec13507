"""The porting tests use every first-party algorithm plugin at once, as a ported program
does, and nothing else that may be installed."""

from algorithm_helpers import plugin_fixtures

plugin_host, local = plugin_fixtures(
    "kmeans",
    "pca",
    "linearlearner",
    "xgboost",
    "factorizationmachines",
    "lda",
    "knn",
    "randomcutforest",
)
