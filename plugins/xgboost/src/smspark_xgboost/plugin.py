"""The smspark plugin module of smspark-xgboost (entry point ``smspark = xgboost``).

Its hook implementations (the estimator, codecs and local image) arrive with the XGBoost
plugin work; until then the package is installed and loaded but registers nothing.
"""
