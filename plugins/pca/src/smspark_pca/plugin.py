"""The smspark plugin module of smspark-pca (entry point ``smspark = pca``).

Its hook implementations (the estimator, codecs and local image) arrive with the PCA
plugin work; until then the package is installed and loaded but registers nothing.
"""
