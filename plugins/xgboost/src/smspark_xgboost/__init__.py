"""smspark-xgboost: SageMaker XGBoost as Spark ML stages."""
