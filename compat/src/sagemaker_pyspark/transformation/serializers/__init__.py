"""The original's ``sagemaker_pyspark.transformation.serializers``."""

from sagemaker_pyspark.transformation.serializers.serializers import *  # noqa: F403
from sagemaker_pyspark.transformation.serializers.serializers import __all__  # noqa: F401
