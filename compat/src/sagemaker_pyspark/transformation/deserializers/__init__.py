"""The original's ``sagemaker_pyspark.transformation.deserializers``."""

from sagemaker_pyspark.transformation.deserializers.deserializers import *  # noqa: F403
from sagemaker_pyspark.transformation.deserializers.deserializers import __all__  # noqa: F401
