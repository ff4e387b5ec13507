"""Spark-facing codec objects: request serializers and response deserializers."""
