"""The Python k-means example of sagemaker_pyspark's README, ported to smspark.

Only the imports changed (marked below). The README's data, MNIST in a public S3 bucket,
is replaced by scikit-learn's digits written as a LibSVM file (the same format), because
this runs with no network; and ``spark``, which the README takes from the pyspark shell,
is made explicitly. Run it against the local backend (``smspark local`` in another shell,
then point boto3 at it) or against AWS with a real role and bucket.

    python examples/port_sagemaker_pyspark_kmeans.py <digits.libsvm>
"""

import sys

from pyspark import SparkConf, SparkContext
from pyspark.sql import SparkSession

# was: from sagemaker_pyspark import IAMRole, classpath_jars
from smspark_core import IAMRole, classpath_jars

# was: from sagemaker_pyspark.algorithms import KMeansSageMakerEstimator
from smspark_core.algorithms import KMeansSageMakerEstimator

data_path = sys.argv[1]  # was: "s3a://sagemaker-sample-data-{}/spark/mnist/train/"

# Load the sagemaker_pyspark classpath. If you used --jars to submit your job
# there is no need to do this in code.
conf = SparkConf().set("spark.driver.extraClassPath", ":".join(classpath_jars()))
SparkContext(conf=conf)
spark = SparkSession.builder.getOrCreate()

iam_role = "arn:aws:iam::123456789012:role/MySageMakerRole"

region = "us-east-1"
training_data = spark.read.format("libsvm").option("numFeatures", "64").load(data_path)

test_data = spark.read.format("libsvm").option("numFeatures", "64").load(data_path)

kmeans_estimator = KMeansSageMakerEstimator(
    trainingInstanceType="ml.m4.xlarge",
    trainingInstanceCount=1,
    endpointInstanceType="ml.m4.xlarge",
    endpointInitialInstanceCount=1,
    sagemakerRole=IAMRole(iam_role),
)

kmeans_estimator.setK(10)
kmeans_estimator.setFeatureDim(64)

kmeans_model = kmeans_estimator.fit(training_data)

transformed_data = kmeans_model.transform(test_data)
transformed_data.show()
