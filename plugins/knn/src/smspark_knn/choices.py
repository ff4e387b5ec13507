"""The values SageMaker's k-NN accepts for its choice hyperparameters, in one place: the
estimator's Params and the local image's parser both read them, so the two cannot disagree.
Imports nothing, so the estimator loads without the local image's numpy and scipy."""

METRICS = ("L2", "INNER_PRODUCT", "COSINE")
INDEX_TYPES = ("faiss.Flat", "faiss.IVFFlat", "faiss.IVFPQ")
PREDICTOR_TYPES = ("classifier", "regressor")
REDUCTIONS = ("sign", "fjlt")
PQ_M_VALUES = (1, 2, 3, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 96)
