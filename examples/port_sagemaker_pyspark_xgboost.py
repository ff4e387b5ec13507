"""The Python XGBoost example of sagemaker_pyspark's README, ported to smspark.

Only the imports changed (marked below). The README's MNIST in a public S3 bucket is
replaced by scikit-learn's digits written as a LibSVM file (the same format), because this
runs with no network; ``spark``, which the README takes from the pyspark shell, is made
explicitly.

    python examples/port_sagemaker_pyspark_xgboost.py <digits.libsvm>
"""

import sys

from pyspark.sql import SparkSession

# was: from sagemaker_pyspark import IAMRole
from smspark_core import IAMRole

# was: from sagemaker_pyspark.algorithms import XGBoostSageMakerEstimator
from smspark_core.algorithms import XGBoostSageMakerEstimator

data_path = sys.argv[1]  # was: "s3a://sagemaker-sample-data-{}/spark/mnist/train/"
spark = SparkSession.builder.getOrCreate()
iam_role = "arn:aws:iam::123456789012:role/MySageMakerRole"

region = "us-east-1"
training_data = spark.read.format("libsvm").option("numFeatures", "64").load(data_path)

test_data = spark.read.format("libsvm").option("numFeatures", "64").load(data_path)

xgboost_estimator = XGBoostSageMakerEstimator(
    trainingInstanceType="ml.m4.xlarge",
    trainingInstanceCount=1,
    endpointInstanceType="ml.m4.xlarge",
    endpointInitialInstanceCount=1,
    sagemakerRole=IAMRole(iam_role),
)

xgboost_estimator.setObjective("multi:softmax")
xgboost_estimator.setNumRound(25)
xgboost_estimator.setNumClasses(10)

xgboost_model = xgboost_estimator.fit(training_data)

transformed_data = xgboost_model.transform(test_data)
transformed_data.show()
