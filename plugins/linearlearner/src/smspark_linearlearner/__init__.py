"""smspark-linearlearner: SageMaker Linear Learner as Spark ML stages."""
