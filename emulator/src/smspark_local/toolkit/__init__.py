"""The container toolkit local images are written with: the ``/opt/ml`` environment of a
training job (``container``), its channels in mini-batches (``channels``), hyperparameters
with errors that name them (``hyperparameters``), inference payloads in and out
(``payloads``), the model-server loop (``container.serve_forever``) and the child-process
entry point (``run_container``). It imports neither pyspark nor boto3, so a local image
needs no Spark."""
