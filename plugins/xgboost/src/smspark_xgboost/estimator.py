"""``XGBoostSageMakerEstimator``: SageMaker's XGBoost as a Spark ML estimator.

Every Param of the original (named by the container's hyperparameter keys), plus what
current images accept: ``num_class`` (``setNumClasses``), ``early_stopping_rounds``,
``colsample_bynode``, ``verbosity``, ``csv_weights``, ``monotone_constraints``,
``interaction_constraints`` and ``num_parallel_tree``. Differences from sagemaker_pyspark:

* ``lambda`` is sent as ``lambda`` (the original's Python wrapper named the Param
  ``lambda_weights``, so fit failed; ``lambda_weights`` is kept as an alias of the Param);
* legacy hyperparameters that the image's XGBoost removed are sent as their equivalent with
  a warning (``silent`` as ``verbosity``, ``sketch_eps`` as ``max_bin``), or refused before
  any AWS call where there is none (``lambda_bias``; the updaters ``distcol``,
  ``grow_skmaker``, ``grow_local_histmaker``);
* the objective list is the current one, with ``binary:logitraw`` spelled right;
* ``num_round``, and ``num_class`` for ``multi:*`` objectives, are checked before any AWS
  call, and so are Params the chosen image version does not know;
* ``imageVersion`` picks ``sagemaker-xgboost:<version>`` (default 1.7-1) or the legacy
  ``xgboost:1``;
* ``multi:softprob`` predictions come back as one probability vector per row;
* with a CSV, Parquet or RecordIO-protobuf training format (``trainingSparkDataFormat``)
  the content type follows, and requests default to dense CSV rows, matching the 0-based
  columns the model was trained on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from pyspark.sql.types import StructType

from smspark_core.algorithms.estimator import AlgorithmEstimator, MissingHyperParameterError
from smspark_core.algorithms.params import ParamAlias, hyperparameter_param
from smspark_core.foundation.media_types import CSV, PROTOBUF
from smspark_core.transformation.deserializers import (
    ResponseRowDeserializer,
    XGBoostCSVRowDeserializer,
)
from smspark_core.transformation.serializers import (
    LibSVMRequestRowSerializer,
    UnlabeledCSVRequestRowSerializer,
)
from smspark_xgboost import images
from smspark_xgboost.deserializers import XGBoostProbabilitiesRowDeserializer
from smspark_xgboost.hyperparameters import HYPERPARAMETERS

log = logging.getLogger("smspark.xgboost")

# Training formats and the content type the container is told for each.
CONTENT_TYPES = {
    "libsvm": "libsvm",
    "csv": CSV,
    "parquet": "application/x-parquet",
    "sagemaker": PROTOBUF,
}


def _tokens(text: str) -> list[str]:
    return [t.strip() for t in text.split(",")]


# The original's setter and getter names where they differ from the hyperparameter key.
_ACCESSOR_NAMES = {
    "nthread": "NThread",
    "colsample_bytree": "ColSampleByTree",
    "colsample_bylevel": "ColSampleByLevel",
    "colsample_bynode": "ColSampleByNode",
    "num_class": "NumClasses",
    "lambda": "Lambda",
}
# Where a setter differs from sagemaker_pyspark's.
_NOTES = {
    "max_depth": "A fraction is refused (sagemaker_pyspark stored setMaxDepth(1.1), and "
    "the training job then failed).",
    "lambda": "Sent as lambda (sagemaker_pyspark's Param was lambda_weights, so fit failed; "
    "lambda_weights remains as an alias of this Param). A negative value is refused before "
    "any AWS call, as the XGBoost container refuses it (sagemaker_pyspark checked none).",
    "alpha": "A negative value is refused before any AWS call, as the XGBoost container "
    "refuses it (sagemaker_pyspark checked none).",
    "scale_pos_weight": "A negative value is refused before any AWS call, as the XGBoost "
    "container refuses it (sagemaker_pyspark checked none).",
    "objective": "The current objectives, with binary:logitraw spelled right "
    "(sagemaker_pyspark listed binary:logistraw).",
    "silent": "On images newer than the legacy xgboost:1, sent as verbosity (silent=1 as "
    "verbosity=0, silent=0 as verbosity=1) with a warning.",
    "sketch_eps": "On images from 1.7-1 (XGBoost 1.6 removed sketch_eps), sent as "
    "max_bin = round(1 / sketch_eps) with a warning.",
    "lambda_bias": "Refused at fit, before any AWS call, on images from 1.7-1 (their "
    "XGBoost has no lambda_bias and would ignore it).",
    "updater": "distcol, grow_skmaker and grow_local_histmaker are refused at fit, before "
    "any AWS call, on images whose XGBoost removed them (1.2-1, 1.3-1 and 1.7-1 on).",
    "eval_metric": "Takes real metrics only: error@0.6, ndcg@5, map@10-, not the "
    "placeholders error@t, ndcg@n, ndcg@n- and map@n- that sagemaker_pyspark's list held "
    "(XGBoost refuses them).",
}


class XGBoostSageMakerEstimator(AlgorithmEstimator):
    """Trains SageMaker XGBoost and returns a ``SageMakerModel`` that appends
    ``prediction`` (or a ``probabilities`` vector for ``multi:softprob``)."""

    required_params: ClassVar[tuple[str, ...]] = ("num_round",)
    default_training_format: ClassVar[str] = "libsvm"
    image_options: ClassVar[tuple[str, ...]] = ("imageVersion",)
    accessor_names: ClassVar[dict[str, str]] = _ACCESSOR_NAMES
    accessor_notes: ClassVar[dict[str, str]] = _NOTES

    booster = hyperparameter_param(HYPERPARAMETERS["booster"])
    silent = hyperparameter_param(HYPERPARAMETERS["silent"])
    verbosity = hyperparameter_param(HYPERPARAMETERS["verbosity"])
    nthread = hyperparameter_param(HYPERPARAMETERS["nthread"])
    eta = hyperparameter_param(HYPERPARAMETERS["eta"])
    gamma = hyperparameter_param(HYPERPARAMETERS["gamma"])
    max_depth = hyperparameter_param(HYPERPARAMETERS["max_depth"])
    min_child_weight = hyperparameter_param(HYPERPARAMETERS["min_child_weight"])
    max_delta_step = hyperparameter_param(HYPERPARAMETERS["max_delta_step"])
    subsample = hyperparameter_param(HYPERPARAMETERS["subsample"])
    colsample_bytree = hyperparameter_param(HYPERPARAMETERS["colsample_bytree"])
    colsample_bylevel = hyperparameter_param(HYPERPARAMETERS["colsample_bylevel"])
    colsample_bynode = hyperparameter_param(HYPERPARAMETERS["colsample_bynode"])
    alpha = hyperparameter_param(HYPERPARAMETERS["alpha"])
    tree_method = hyperparameter_param(HYPERPARAMETERS["tree_method"])
    sketch_eps = hyperparameter_param(HYPERPARAMETERS["sketch_eps"])
    scale_pos_weight = hyperparameter_param(HYPERPARAMETERS["scale_pos_weight"])
    updater = hyperparameter_param(HYPERPARAMETERS["updater"])
    refresh_leaf = hyperparameter_param(HYPERPARAMETERS["refresh_leaf"])
    process_type = hyperparameter_param(HYPERPARAMETERS["process_type"])
    grow_policy = hyperparameter_param(HYPERPARAMETERS["grow_policy"])
    max_leaves = hyperparameter_param(HYPERPARAMETERS["max_leaves"])
    max_bin = hyperparameter_param(HYPERPARAMETERS["max_bin"])
    sample_type = hyperparameter_param(HYPERPARAMETERS["sample_type"])
    normalize_type = hyperparameter_param(HYPERPARAMETERS["normalize_type"])
    rate_drop = hyperparameter_param(HYPERPARAMETERS["rate_drop"])
    one_drop = hyperparameter_param(HYPERPARAMETERS["one_drop"])
    skip_drop = hyperparameter_param(HYPERPARAMETERS["skip_drop"])
    lambda_bias = hyperparameter_param(HYPERPARAMETERS["lambda_bias"])
    tweedie_variance_power = hyperparameter_param(HYPERPARAMETERS["tweedie_variance_power"])
    objective = hyperparameter_param(HYPERPARAMETERS["objective"])
    num_class = hyperparameter_param(HYPERPARAMETERS["num_class"])
    base_score = hyperparameter_param(HYPERPARAMETERS["base_score"])
    eval_metric = hyperparameter_param(HYPERPARAMETERS["eval_metric"])
    seed = hyperparameter_param(HYPERPARAMETERS["seed"])
    num_round = hyperparameter_param(HYPERPARAMETERS["num_round"])
    early_stopping_rounds = hyperparameter_param(HYPERPARAMETERS["early_stopping_rounds"])
    csv_weights = hyperparameter_param(HYPERPARAMETERS["csv_weights"])
    monotone_constraints = hyperparameter_param(HYPERPARAMETERS["monotone_constraints"])
    interaction_constraints = hyperparameter_param(HYPERPARAMETERS["interaction_constraints"])
    num_parallel_tree = hyperparameter_param(HYPERPARAMETERS["num_parallel_tree"])

    def __init__(self, *args: Any, imageVersion: str = images.DEFAULT_VERSION, **kwargs: Any):
        images.check_version(imageVersion)
        fmt = kwargs.get("trainingSparkDataFormat") or self.default_training_format
        if kwargs.get("trainingContentType") is None and fmt in CONTENT_TYPES:
            kwargs["trainingContentType"] = CONTENT_TYPES[fmt]
        if kwargs.get("requestRowSerializer") is None and fmt != "libsvm":
            # Dense 0-based columns, as CSV, Parquet and RecordIO training saw them (LibSVM
            # requests are 1-based, as LibSVM training data is).
            kwargs["requestRowSerializer"] = UnlabeledCSVRequestRowSerializer()
        super().__init__(*args, imageVersion=imageVersion, **kwargs)

    @property
    def imageVersion(self) -> str:  # noqa: N802 - constructor keyword
        return images.version_of(self.getTrainingImage())

    @classmethod
    def resolve_image(cls, region: str, options: Mapping[str, Any]) -> str:
        return images.xgboost_image(options.get("imageVersion", images.DEFAULT_VERSION), region)

    @classmethod
    def default_serializer(cls) -> LibSVMRequestRowSerializer:
        return LibSVMRequestRowSerializer()

    @classmethod
    def default_deserializer(cls) -> ResponseRowDeserializer:
        return XGBoostCSVRowDeserializer()

    # ------------------------------------------------------------------ checks at fit

    def transformSchema(self, schema: StructType) -> StructType:  # noqa: N802
        super().transformSchema(schema)
        objective = self.getOrDefault(self.objective) if self.isDefined(self.objective) else ""
        if objective.startswith("multi:") and not self.isDefined(self.num_class):
            raise MissingHyperParameterError(
                f"objective {objective} needs num_class: call setNumClasses(n) before fit"
            )
        if self.imageVersion == images.LEGACY_VERSION:
            offending = [name for name in images.NOT_IN_LEGACY if self.isSet(getattr(self, name))]
            if offending:
                raise ValueError(
                    f"{', '.join(offending)} cannot be used with imageVersion "
                    f"{images.LEGACY_VERSION!r} (the legacy XGBoost 0.72 image); use a "
                    f"sagemaker-xgboost version such as {images.DEFAULT_VERSION!r}"
                )
        self._check_removed()
        return schema

    def _check_removed(self) -> None:
        """Legacy hyperparameters and updaters this image's XGBoost no longer has, and that
        have no equivalent to send instead, fail here, before any AWS call."""
        version = self.imageVersion
        for name, (first_without, advice) in images.REMOVED.items():
            if self.isSet(getattr(self, name)) and images.lacks(version, first_without):
                raise ValueError(f"{name} cannot be used with imageVersion {version!r}: {advice}")
        if self.isSet(self.updater):
            removed = [
                token
                for token in _tokens(self.getOrDefault(self.updater))
                if token in images.REMOVED_UPDATERS
                and images.lacks(version, images.REMOVED_UPDATERS[token])
            ]
            if removed:
                raise ValueError(
                    f"updater {', '.join(removed)} cannot be used with imageVersion "
                    f"{version!r} (its XGBoost no longer has it): {images.UPDATER_ADVICE}"
                )

    def make_hyperparameters(self) -> dict[str, str]:
        """On images whose XGBoost no longer has a legacy hyperparameter, it is sent as its
        current equivalent (``silent=1`` as ``verbosity=0``, ``sketch_eps=0.03`` as
        ``max_bin=33``), with a warning, so that programs written for the original keep
        training; an explicit current value wins."""
        values = super().make_hyperparameters()
        version = self.imageVersion
        for legacy, (first_without, current, translate) in images.LEGACY_TRANSLATIONS.items():
            if legacy not in values or not images.lacks(version, first_without):
                continue
            legacy_value = values.pop(legacy)
            if current in values:
                log.warning(
                    "%s=%s is not sent: imageVersion %r has no %s, and %s=%s is set",
                    legacy, legacy_value, version, legacy, current, values[current],
                )  # fmt: skip
                continue
            values[current] = translate(legacy_value)
            log.warning(
                "%s=%s is sent as %s=%s: imageVersion %r has no %s",
                legacy, legacy_value, current, values[current], version, legacy,
            )  # fmt: skip
        return values

    def model_deserializer(self) -> ResponseRowDeserializer:
        """For ``multi:softprob``, a probabilities reader in place of the scalar CSV one,
        which cannot read one probability vector per row."""
        objective = self.getOrDefault(self.objective) if self.isDefined(self.objective) else ""
        deserializer = self.getResponseRowDeserializer()
        if objective == "multi:softprob" and isinstance(deserializer, XGBoostCSVRowDeserializer):
            return XGBoostProbabilitiesRowDeserializer()
        return deserializer

    # Accessors generated by `python -m smspark_core.accessor_codegen --in-place`.

    def setBooster(self, value: str) -> XGBoostSageMakerEstimator:
        """Sets the ``booster`` hyperparameter. Which booster to use. Allowed: one of gbtree,
        gblinear, dart."""
        return self._set(booster=value)

    def getBooster(self) -> str:
        """The ``booster`` hyperparameter."""
        return self._hyperparameter(self.booster, "setBooster")

    def setSilent(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``silent`` hyperparameter. 0 prints running messages (legacy image only).
        Allowed: 0 or 1.

        Unlike sagemaker_pyspark: On images newer than the legacy xgboost:1, sent as verbosity
        (silent=1 as verbosity=0, silent=0 as verbosity=1) with a warning."""
        return self._set(silent=value)

    def getSilent(self) -> int:
        """The ``silent`` hyperparameter."""
        return self._hyperparameter(self.silent, "setSilent")

    def setVerbosity(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``verbosity`` hyperparameter. 0 silent, 1 warning, 2 info, 3 debug. Allowed:
        an integer >= 0 and <= 3."""
        return self._set(verbosity=value)

    def getVerbosity(self) -> int:
        """The ``verbosity`` hyperparameter."""
        return self._hyperparameter(self.verbosity, "setVerbosity")

    def setNThread(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``nthread`` hyperparameter. Threads XGBoost uses. Allowed: an integer >= 1."""
        return self._set(nthread=value)

    def getNThread(self) -> int:
        """The ``nthread`` hyperparameter."""
        return self._hyperparameter(self.nthread, "setNThread")

    def setEta(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``eta`` hyperparameter. Step size shrinkage. Allowed: a number >= 0 and <= 1."""
        return self._set(eta=value)

    def getEta(self) -> float:
        """The ``eta`` hyperparameter."""
        return self._hyperparameter(self.eta, "setEta")

    def setGamma(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``gamma`` hyperparameter. Minimum loss reduction to split a leaf. Allowed: a
        number >= 0."""
        return self._set(gamma=value)

    def getGamma(self) -> float:
        """The ``gamma`` hyperparameter."""
        return self._hyperparameter(self.gamma, "setGamma")

    def setMaxDepth(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``max_depth`` hyperparameter. Maximum depth of a tree (0: no limit). Allowed:
        an integer >= 0.

        Unlike sagemaker_pyspark: A fraction is refused (sagemaker_pyspark stored
        setMaxDepth(1.1), and the training job then failed)."""
        return self._set(max_depth=value)

    def getMaxDepth(self) -> int:
        """The ``max_depth`` hyperparameter."""
        return self._hyperparameter(self.max_depth, "setMaxDepth")

    def setMinChildWeight(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``min_child_weight`` hyperparameter. Minimum hessian sum in a child. Allowed:
        a number >= 0."""
        return self._set(min_child_weight=value)

    def getMinChildWeight(self) -> float:
        """The ``min_child_weight`` hyperparameter."""
        return self._hyperparameter(self.min_child_weight, "setMinChildWeight")

    def setMaxDeltaStep(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``max_delta_step`` hyperparameter. Maximum delta step of a leaf. Allowed: a
        number >= 0."""
        return self._set(max_delta_step=value)

    def getMaxDeltaStep(self) -> float:
        """The ``max_delta_step`` hyperparameter."""
        return self._hyperparameter(self.max_delta_step, "setMaxDeltaStep")

    def setSubsample(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``subsample`` hyperparameter. Row subsample ratio. Allowed: a number > 0 and
        <= 1."""
        return self._set(subsample=value)

    def getSubsample(self) -> float:
        """The ``subsample`` hyperparameter."""
        return self._hyperparameter(self.subsample, "setSubsample")

    def setColSampleByTree(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``colsample_bytree`` hyperparameter. Column subsample ratio per tree.
        Allowed: a number > 0 and <= 1."""
        return self._set(colsample_bytree=value)

    def getColSampleByTree(self) -> float:
        """The ``colsample_bytree`` hyperparameter."""
        return self._hyperparameter(self.colsample_bytree, "setColSampleByTree")

    def setColSampleByLevel(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``colsample_bylevel`` hyperparameter. Column subsample ratio per level.
        Allowed: a number > 0 and <= 1."""
        return self._set(colsample_bylevel=value)

    def getColSampleByLevel(self) -> float:
        """The ``colsample_bylevel`` hyperparameter."""
        return self._hyperparameter(self.colsample_bylevel, "setColSampleByLevel")

    def setColSampleByNode(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``colsample_bynode`` hyperparameter. Column subsample ratio per split.
        Allowed: a number > 0 and <= 1."""
        return self._set(colsample_bynode=value)

    def getColSampleByNode(self) -> float:
        """The ``colsample_bynode`` hyperparameter."""
        return self._hyperparameter(self.colsample_bynode, "setColSampleByNode")

    def setAlpha(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``alpha`` hyperparameter. L1 regularization of the weights. Allowed: a number
        >= 0.

        Unlike sagemaker_pyspark: A negative value is refused before any AWS call, as the XGBoost
        container refuses it (sagemaker_pyspark checked none)."""
        return self._set(alpha=value)

    def getAlpha(self) -> float:
        """The ``alpha`` hyperparameter."""
        return self._hyperparameter(self.alpha, "setAlpha")

    def setTreeMethod(self, value: str) -> XGBoostSageMakerEstimator:
        """Sets the ``tree_method`` hyperparameter. The tree construction algorithm. Allowed: one
        of auto, exact, approx, hist."""
        return self._set(tree_method=value)

    def getTreeMethod(self) -> str:
        """The ``tree_method`` hyperparameter."""
        return self._hyperparameter(self.tree_method, "setTreeMethod")

    def setSketchEps(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``sketch_eps`` hyperparameter. approx only: sketch accuracy. Allowed: a
        number > 0 and < 1.

        Unlike sagemaker_pyspark: On images from 1.7-1 (XGBoost 1.6 removed sketch_eps), sent as
        max_bin = round(1 / sketch_eps) with a warning."""
        return self._set(sketch_eps=value)

    def getSketchEps(self) -> float:
        """The ``sketch_eps`` hyperparameter."""
        return self._hyperparameter(self.sketch_eps, "setSketchEps")

    def setScalePosWeight(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``scale_pos_weight`` hyperparameter. Balance of positive and negative
        weights. Allowed: a number >= 0.

        Unlike sagemaker_pyspark: A negative value is refused before any AWS call, as the XGBoost
        container refuses it (sagemaker_pyspark checked none)."""
        return self._set(scale_pos_weight=value)

    def getScalePosWeight(self) -> float:
        """The ``scale_pos_weight`` hyperparameter."""
        return self._hyperparameter(self.scale_pos_weight, "setScalePosWeight")

    def setUpdater(self, value: str) -> XGBoostSageMakerEstimator:
        """Sets the ``updater`` hyperparameter. Comma-separated tree updaters. Allowed: a
        comma-separated list of grow_colmaker, distcol, grow_histmaker, grow_local_histmaker,
        grow_skmaker, grow_quantile_histmaker, sync, refresh, prune, shotgun, coord_descent.

        Unlike sagemaker_pyspark: distcol, grow_skmaker and grow_local_histmaker are refused at
        fit, before any AWS call, on images whose XGBoost removed them (1.2-1, 1.3-1 and 1.7-1
        on)."""
        return self._set(updater=value)

    def getUpdater(self) -> str:
        """The ``updater`` hyperparameter."""
        return self._hyperparameter(self.updater, "setUpdater")

    def setRefreshLeaf(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``refresh_leaf`` hyperparameter. refresh updater: also refresh leaves.
        Allowed: 0 or 1."""
        return self._set(refresh_leaf=value)

    def getRefreshLeaf(self) -> int:
        """The ``refresh_leaf`` hyperparameter."""
        return self._hyperparameter(self.refresh_leaf, "setRefreshLeaf")

    def setProcessType(self, value: str) -> XGBoostSageMakerEstimator:
        """Sets the ``process_type`` hyperparameter. Boosting process. Allowed: one of default,
        update."""
        return self._set(process_type=value)

    def getProcessType(self) -> str:
        """The ``process_type`` hyperparameter."""
        return self._hyperparameter(self.process_type, "setProcessType")

    def setGrowPolicy(self, value: str) -> XGBoostSageMakerEstimator:
        """Sets the ``grow_policy`` hyperparameter. How new nodes are added. Allowed: one of
        depthwise, lossguide."""
        return self._set(grow_policy=value)

    def getGrowPolicy(self) -> str:
        """The ``grow_policy`` hyperparameter."""
        return self._hyperparameter(self.grow_policy, "setGrowPolicy")

    def setMaxLeaves(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``max_leaves`` hyperparameter. Maximum number of leaves (0: no limit).
        Allowed: an integer >= 0."""
        return self._set(max_leaves=value)

    def getMaxLeaves(self) -> int:
        """The ``max_leaves`` hyperparameter."""
        return self._hyperparameter(self.max_leaves, "setMaxLeaves")

    def setMaxBin(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``max_bin`` hyperparameter. hist only: maximum number of bins. Allowed: an
        integer >= 1."""
        return self._set(max_bin=value)

    def getMaxBin(self) -> int:
        """The ``max_bin`` hyperparameter."""
        return self._hyperparameter(self.max_bin, "setMaxBin")

    def setSampleType(self, value: str) -> XGBoostSageMakerEstimator:
        """Sets the ``sample_type`` hyperparameter. dart: sampling. Allowed: one of uniform,
        weighted."""
        return self._set(sample_type=value)

    def getSampleType(self) -> str:
        """The ``sample_type`` hyperparameter."""
        return self._hyperparameter(self.sample_type, "setSampleType")

    def setNormalizeType(self, value: str) -> XGBoostSageMakerEstimator:
        """Sets the ``normalize_type`` hyperparameter. dart: normalization. Allowed: one of tree,
        forest."""
        return self._set(normalize_type=value)

    def getNormalizeType(self) -> str:
        """The ``normalize_type`` hyperparameter."""
        return self._hyperparameter(self.normalize_type, "setNormalizeType")

    def setRateDrop(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``rate_drop`` hyperparameter. dart: dropout rate. Allowed: a number >= 0 and
        <= 1."""
        return self._set(rate_drop=value)

    def getRateDrop(self) -> float:
        """The ``rate_drop`` hyperparameter."""
        return self._hyperparameter(self.rate_drop, "setRateDrop")

    def setOneDrop(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``one_drop`` hyperparameter. dart: always drop at least one tree. Allowed: 0
        or 1."""
        return self._set(one_drop=value)

    def getOneDrop(self) -> int:
        """The ``one_drop`` hyperparameter."""
        return self._hyperparameter(self.one_drop, "setOneDrop")

    def setSkipDrop(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``skip_drop`` hyperparameter. dart: probability of skipping dropout. Allowed:
        a number >= 0 and <= 1."""
        return self._set(skip_drop=value)

    def getSkipDrop(self) -> float:
        """The ``skip_drop`` hyperparameter."""
        return self._hyperparameter(self.skip_drop, "setSkipDrop")

    def setLambdaBias(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``lambda_bias`` hyperparameter. gblinear: L2 regularization of the bias.
        Allowed: a number >= 0 and <= 1.

        Unlike sagemaker_pyspark: Refused at fit, before any AWS call, on images from 1.7-1
        (their XGBoost has no lambda_bias and would ignore it)."""
        return self._set(lambda_bias=value)

    def getLambdaBias(self) -> float:
        """The ``lambda_bias`` hyperparameter."""
        return self._hyperparameter(self.lambda_bias, "setLambdaBias")

    def setTweedieVariancePower(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``tweedie_variance_power`` hyperparameter. reg:tweedie: variance power.
        Allowed: a number > 1 and < 2."""
        return self._set(tweedie_variance_power=value)

    def getTweedieVariancePower(self) -> float:
        """The ``tweedie_variance_power`` hyperparameter."""
        return self._hyperparameter(self.tweedie_variance_power, "setTweedieVariancePower")

    def setObjective(self, value: str) -> XGBoostSageMakerEstimator:
        """Sets the ``objective`` hyperparameter. The learning objective. Allowed: one of
        binary:logistic, binary:logitraw, binary:hinge, count:poisson, multi:softmax,
        multi:softprob, rank:pairwise, rank:ndcg, rank:map, reg:linear, reg:squarederror,
        reg:logistic, reg:gamma, reg:pseudohubererror, reg:squaredlogerror, reg:absoluteerror,
        reg:tweedie, survival:aft, survival:cox.

        Unlike sagemaker_pyspark: The current objectives, with binary:logitraw spelled right
        (sagemaker_pyspark listed binary:logistraw)."""
        return self._set(objective=value)

    def getObjective(self) -> str:
        """The ``objective`` hyperparameter."""
        return self._hyperparameter(self.objective, "setObjective")

    def setNumClasses(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``num_class`` hyperparameter. The number of classes (multi:* objectives).
        Allowed: an integer >= 1."""
        return self._set(num_class=value)

    def getNumClasses(self) -> int:
        """The ``num_class`` hyperparameter."""
        return self._hyperparameter(self.num_class, "setNumClasses")

    def setBaseScore(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``base_score`` hyperparameter. Initial prediction score of every instance.
        Allowed: a number any number."""
        return self._set(base_score=value)

    def getBaseScore(self) -> float:
        """The ``base_score`` hyperparameter."""
        return self._hyperparameter(self.base_score, "setBaseScore")

    def setEvalMetric(self, value: str) -> XGBoostSageMakerEstimator:
        """Sets the ``eval_metric`` hyperparameter. Comma-separated evaluation metrics for the
        validation data. Allowed: a comma-separated list of XGBoost metrics: rmse, mae, logloss,
        error, error@<threshold> (e.g. error@0.6), merror, mlogloss, auc, aucpr, ndcg, ndcg-,
        ndcg@<n> (e.g. ndcg@5), map, map-, map@<n>- (e.g. map@10-), ....

        Unlike sagemaker_pyspark: Takes real metrics only: error@0.6, ndcg@5, map@10-, not the
        placeholders error@t, ndcg@n, ndcg@n- and map@n- that sagemaker_pyspark's list held
        (XGBoost refuses them)."""
        return self._set(eval_metric=value)

    def getEvalMetric(self) -> str:
        """The ``eval_metric`` hyperparameter."""
        return self._hyperparameter(self.eval_metric, "setEvalMetric")

    def setSeed(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``seed`` hyperparameter. Random seed. Allowed: an integer any number."""
        return self._set(seed=value)

    def getSeed(self) -> int:
        """The ``seed`` hyperparameter."""
        return self._hyperparameter(self.seed, "setSeed")

    def setNumRound(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``num_round`` hyperparameter. The number of boosting rounds. Allowed: an
        integer >= 1."""
        return self._set(num_round=value)

    def getNumRound(self) -> int:
        """The ``num_round`` hyperparameter."""
        return self._hyperparameter(self.num_round, "setNumRound")

    def setEarlyStoppingRounds(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``early_stopping_rounds`` hyperparameter. Stop when the validation metric has
        not improved for this many rounds. Allowed: an integer >= 1."""
        return self._set(early_stopping_rounds=value)

    def getEarlyStoppingRounds(self) -> int:
        """The ``early_stopping_rounds`` hyperparameter."""
        return self._hyperparameter(self.early_stopping_rounds, "setEarlyStoppingRounds")

    def setCsvWeights(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``csv_weights`` hyperparameter. 1: the second CSV column is an instance
        weight. Allowed: 0 or 1."""
        return self._set(csv_weights=value)

    def getCsvWeights(self) -> int:
        """The ``csv_weights`` hyperparameter."""
        return self._hyperparameter(self.csv_weights, "setCsvWeights")

    def setMonotoneConstraints(self, value: str) -> XGBoostSageMakerEstimator:
        """Sets the ``monotone_constraints`` hyperparameter. Per-feature monotonicity, e.g.
        '(1,0,-1)'. Allowed: a parenthesised list of -1, 0 and 1."""
        return self._set(monotone_constraints=value)

    def getMonotoneConstraints(self) -> str:
        """The ``monotone_constraints`` hyperparameter."""
        return self._hyperparameter(self.monotone_constraints, "setMonotoneConstraints")

    def setInteractionConstraints(self, value: str) -> XGBoostSageMakerEstimator:
        """Sets the ``interaction_constraints`` hyperparameter. Feature groups allowed to
        interact, e.g. '[[0, 1], [2, 3, 4]]'. Allowed: a nested list of feature indices."""
        return self._set(interaction_constraints=value)

    def getInteractionConstraints(self) -> str:
        """The ``interaction_constraints`` hyperparameter."""
        return self._hyperparameter(self.interaction_constraints, "setInteractionConstraints")

    def setNumParallelTree(self, value: int) -> XGBoostSageMakerEstimator:
        """Sets the ``num_parallel_tree`` hyperparameter. Trees grown per round. Allowed: an
        integer >= 1."""
        return self._set(num_parallel_tree=value)

    def getNumParallelTree(self) -> int:
        """The ``num_parallel_tree`` hyperparameter."""
        return self._hyperparameter(self.num_parallel_tree, "setNumParallelTree")

    def setLambda(self, value: float) -> XGBoostSageMakerEstimator:
        """Sets the ``lambda`` hyperparameter. L2 regularization of the weights. Allowed: a
        number >= 0.

        Unlike sagemaker_pyspark: Sent as lambda (sagemaker_pyspark's Param was lambda_weights,
        so fit failed; lambda_weights remains as an alias of this Param). A negative value is
        refused before any AWS call, as the XGBoost container refuses it (sagemaker_pyspark
        checked none)."""
        return self._set(**{"lambda": value})

    def getLambda(self) -> float:
        """The ``lambda`` hyperparameter."""
        return self._hyperparameter(getattr(self, "lambda"), "setLambda")

    # End of the generated accessors.


setattr(XGBoostSageMakerEstimator, "lambda", hyperparameter_param(HYPERPARAMETERS["lambda"]))


# The original's name of the lambda Param (its Python wrapper declared lambda_weights).
XGBoostSageMakerEstimator.lambda_weights = ParamAlias("lambda")  # type: ignore[attr-defined]
