"""The emulated service: the HTTP front end (``server``), the SageMaker operations
(``api``, ``transform_jobs``) checked against botocore's model (``model_validation``),
training jobs, endpoints and transform jobs as child processes (``training``, ``hosting``,
``transform_run``), image resolution (``images``), CloudWatch Logs (``logs``), fault
injection (``faults``), persisted state (``store``) and ``LocalSageMaker`` (``backend``)."""
