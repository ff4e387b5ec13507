"""The smspark plugin module of smspark-linearlearner (entry point ``smspark = linearlearner``).

Its hook implementations (the estimator, codecs and local image) arrive with the Linear Learner
plugin work; until then the package is installed and loaded but registers nothing.
"""
