"""What runs inside Spark tasks: staging training data to S3 (``staging``), calling the
endpoint with requests packed, in flight together and retried within a deadline
(``invoke``), ``transformStats`` through ``DataFrame.observe`` (``transform_stats``) and
Batch Transform's staging and read-back (``batch_io``). The ``"sagemaker"`` data source is
its own package (``smspark_core.datasource``)."""
