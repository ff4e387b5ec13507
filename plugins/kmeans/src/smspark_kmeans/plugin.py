"""The smspark plugin module of smspark-kmeans (entry point ``smspark = kmeans``).

Its hook implementations (the estimator, codecs and local image) arrive with the k-means
plugin work; until then the package is installed and loaded but registers nothing.
"""
