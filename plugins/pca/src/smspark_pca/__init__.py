"""smspark-pca: SageMaker PCA as Spark ML stages."""
