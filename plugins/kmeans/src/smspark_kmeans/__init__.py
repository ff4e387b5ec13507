"""smspark-kmeans: SageMaker k-means as Spark ML stages."""
