"""``RandomCutForestSageMakerEstimator``: SageMaker Random Cut Forest as a Spark ML estimator.

Params are the container's hyperparameter keys with camelCase accessors (``setFeatureDim``,
``setNumSamplesPerTree``, ``setNumTrees``, ``setEvalMetrics``, ``setMiniBatchSize``), each
checked against the documented range when set. There are no client-side defaults: only
``feature_dim`` is required, and it is taken from the data when unset; the service's
defaults (256 samples per tree, 100 trees, both metrics) apply to what is not set.

Training data is staged as RecordIO-protobuf (the default, dense or sparse vectors, no label
needed) or CSV (``trainingSparkDataFormat="csv"``: the label column first, which the
service's ``label_size=1`` content type tells it to skip). With
``testIndicatorColumnName``, the rows where that boolean column is true, with their 0/1
labels, become the ``test`` channel, on which the service reports F1, precision, recall and
accuracy (the training job's final metrics). Checked at ``fit()``, before any AWS call: the
format, the content type and the train channel's distribution (the service reads the train
channel only ``ShardedByS3Key``, the test channel only ``FullyReplicated``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, NumericType, StructType

from smspark_core.algorithms.estimator import AmazonAlgorithmEstimator
from smspark_core.algorithms.images import FIRST_PARTY_ACCOUNTS
from smspark_core.algorithms.params import hyperparameter_param
from smspark_core.aws.resources import S3DataPath
from smspark_core.executor.staging import StagedData, stage
from smspark_core.foundation.media_types import CSV, PROTOBUF, media_type
from smspark_core.model import SageMakerModel
from smspark_randomcutforest.deserializer import RandomCutForestProtobufResponseRowDeserializer
from smspark_randomcutforest.hyperparameters import HYPERPARAMETERS
from smspark_randomcutforest.settings import ChannelSettings

log = logging.getLogger("smspark.randomcutforest")

# randomcutforest:1 is published in the 34 regions of the SDK's
# image_uri_config/randomcutforest.json (knikure/sagemaker-python-sdk eabb787; 26 in
# aws/sagemaker-python-sdk 03b36aa), with the first-party accounts, and in ca-west-1 (AWS's
# ECR path page for that region lists Random Cut Forest): the first-party map without the
# two us-isof regions, where no source lists it.
RCF_ACCOUNTS: Mapping[str, str] = {
    region: account
    for region, account in FIRST_PARTY_ACCOUNTS.items()
    if not region.startswith("us-isof-")
}
FORMATS = {"sagemaker": PROTOBUF, "csv": CSV}  # the service reads RecordIO-protobuf and CSV


class RandomCutForestSageMakerEstimator(AmazonAlgorithmEstimator, ChannelSettings):
    """Trains SageMaker Random Cut Forest (image ``randomcutforest:1``) on vectors and returns
    a ``SageMakerModel`` that appends each row's anomaly ``score``."""

    image_repository: ClassVar[str] = "randomcutforest"
    registry_accounts = RCF_ACCOUNTS
    required_params: ClassVar[tuple[str, ...]] = ("feature_dim",)

    feature_dim = hyperparameter_param(HYPERPARAMETERS["feature_dim"])
    num_samples_per_tree = hyperparameter_param(HYPERPARAMETERS["num_samples_per_tree"])
    num_trees = hyperparameter_param(HYPERPARAMETERS["num_trees"])
    eval_metrics = hyperparameter_param(HYPERPARAMETERS["eval_metrics"])
    mini_batch_size = hyperparameter_param(HYPERPARAMETERS["mini_batch_size"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("trainingSparkDataFormat") == "csv" and not kwargs.get("trainingContentType"):
            kwargs["trainingContentType"] = f"{CSV};label_size=1"  # the staged label first
        self._test_rows: DataFrame | None = None
        super().__init__(*args, **kwargs)

    @classmethod
    def default_deserializer(cls) -> RandomCutForestProtobufResponseRowDeserializer:
        return RandomCutForestProtobufResponseRowDeserializer()

    # ------------------------------------------------------------------ checks at fit

    def _check_channels(self) -> None:
        """The training format, content type and distribution the service reads."""
        fmt = self.getTrainingSparkDataFormat()
        if fmt not in FORMATS:
            raise ValueError(
                f"trainingSparkDataFormat must be one of {', '.join(FORMATS)} for Random Cut "
                f"Forest (the service reads RecordIO-protobuf and CSV), got {fmt!r}"
            )
        declared = self.getTrainingContentType()
        if declared is not None and media_type(declared)[0] != FORMATS[fmt]:
            raise ValueError(
                f"trainingContentType {declared!r} does not match trainingSparkDataFormat "
                f"{fmt!r} (expected {FORMATS[fmt]}"
                + (";label_size=1, the staged label first)" if fmt == "csv" else ")")
            )
        if fmt == "csv" and declared is None:
            raise ValueError(
                "trainingSparkDataFormat 'csv' needs trainingContentType "
                f"'{CSV};label_size=1' (the staged label first)"
            )
        if self.getTrainingS3DataDistribution() != "ShardedByS3Key":
            raise ValueError(
                "trainingS3DataDistribution must be ShardedByS3Key: Random Cut Forest reads "
                f"its train channel only so, got {self.getTrainingS3DataDistribution()!r}"
            )

    def _check_test_columns(self, schema: StructType) -> None:
        """The indicator column is boolean and the test rows have a numeric label."""
        column = self.getTestIndicatorColumnName()
        if column is None:
            return
        if column not in schema.names:
            raise ValueError(
                f"testIndicatorColumnName {column!r} is not a column of the DataFrame "
                f"(columns: {', '.join(schema.names)})"
            )
        if not isinstance(schema[column].dataType, BooleanType):
            raise ValueError(
                f"testIndicatorColumnName {column!r} must be a boolean column (true: a test "
                f"row), it is {schema[column].dataType.simpleString()}"
            )
        label = self._label_column()
        if label not in schema.names or not isinstance(schema[label].dataType, NumericType):
            found = schema[label].dataType.simpleString() if label in schema.names else "missing"
            raise ValueError(
                f"the test channel needs a numeric label column {label!r} (1 anomaly, 0 "
                f"normal); it is {found}"
            )

    def _label_column(self) -> str:
        options = {k.lower(): v for k, v in self.getTrainingSparkDataFormatOptions().items()}
        return options.get("labelcolumnname", "label")

    def transformSchema(self, schema: StructType) -> StructType:  # noqa: N802
        super().transformSchema(schema)
        self._check_channels()
        self._check_test_columns(schema)
        return schema

    # ------------------------------------------------------------------ the test channel

    def _fit(self, dataset: DataFrame) -> SageMakerModel:
        column = self.getTestIndicatorColumnName()
        if column is None:
            return super()._fit(dataset)
        self.transformSchema(dataset.schema)
        marked = F.col(column)
        self._test_rows = dataset.filter(marked)
        try:
            return super()._fit(dataset.filter(~F.coalesce(marked, F.lit(False))))
        finally:
            self._test_rows = None

    def stage_extra_channels(
        self, input_path: S3DataPath
    ) -> list[tuple[dict[str, Any], StagedData]]:
        """The test rows as the ``test`` channel (RecordIO-protobuf with the label,
        ``FullyReplicated``), beside the training data; none when no row is marked."""
        if self._test_rows is None:
            return []
        staged = stage(
            self._test_rows,
            "sagemaker",
            self.getTrainingSparkDataFormatOptions(),
            S3DataPath(input_path.bucket, f"{input_path.objectPath}-test"),
            self.clientSpec,
            compression=self.getTrainingCompressionCodec(),
        )
        if not staged.rows:
            log.warning(
                "no row has %s true: the training job gets no test channel",
                self.getTestIndicatorColumnName(),
            )
            return []
        channel: dict[str, Any] = {
            "ChannelName": "test",
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": staged.data_type,
                    "S3Uri": staged.s3_uri,
                    "S3DataDistributionType": "FullyReplicated",
                }
            },
            "ContentType": PROTOBUF,
        }
        if self.getTrainingCompressionCodec():
            channel["CompressionType"] = "Gzip"
        return [(channel, staged)]

    # Accessors generated by `python -m smspark_core.accessor_codegen --in-place`.

    def setFeatureDim(self, value: int) -> RandomCutForestSageMakerEstimator:
        """Sets the ``feature_dim`` hyperparameter. The number of features in the input data.
        Allowed: an integer >= 1 and <= 10000."""
        return self._set(feature_dim=value)

    def getFeatureDim(self) -> int:
        """The ``feature_dim`` hyperparameter."""
        return self._hyperparameter(self.feature_dim, "setFeatureDim")

    def setNumSamplesPerTree(self, value: int) -> RandomCutForestSageMakerEstimator:
        """Sets the ``num_samples_per_tree`` hyperparameter. Rows sampled for each tree (default
        256). Allowed: an integer >= 1 and <= 2048."""
        return self._set(num_samples_per_tree=value)

    def getNumSamplesPerTree(self) -> int:
        """The ``num_samples_per_tree`` hyperparameter."""
        return self._hyperparameter(self.num_samples_per_tree, "setNumSamplesPerTree")

    def setNumTrees(self, value: int) -> RandomCutForestSageMakerEstimator:
        """Sets the ``num_trees`` hyperparameter. Trees in the forest (default 100). Allowed: an
        integer >= 50 and <= 1000."""
        return self._set(num_trees=value)

    def getNumTrees(self) -> int:
        """The ``num_trees`` hyperparameter."""
        return self._hyperparameter(self.num_trees, "setNumTrees")

    def setEvalMetrics(self, value: str) -> RandomCutForestSageMakerEstimator:
        """Sets the ``eval_metrics`` hyperparameter. Metrics of the labelled test channel:
        accuracy, precision_recall_fscore (default both). Allowed: a non-empty list of accuracy,
        precision_recall_fscore."""
        return self._set(eval_metrics=value)

    def getEvalMetrics(self) -> str:
        """The ``eval_metrics`` hyperparameter."""
        return self._hyperparameter(self.eval_metrics, "setEvalMetrics")

    def setMiniBatchSize(self, value: int) -> RandomCutForestSageMakerEstimator:
        """Sets the ``mini_batch_size`` hyperparameter. Rows per mini-batch; Random Cut Forest
        uses the SDK's fixed mini_batch_size. Allowed: 1000."""
        return self._set(mini_batch_size=value)

    def getMiniBatchSize(self) -> int:
        """The ``mini_batch_size`` hyperparameter."""
        return self._hyperparameter(self.mini_batch_size, "setMiniBatchSize")

    # End of the generated accessors.
