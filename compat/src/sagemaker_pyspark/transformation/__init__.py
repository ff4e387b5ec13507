"""The original's ``sagemaker_pyspark.transformation``: serializers and deserializers."""
