"""The local ``xgboost`` / ``sagemaker-xgboost`` image: the real XGBoost library behind the
SageMaker XGBoost container contract (aws/sagemaker-xgboost-container).

train: ``train`` and optional ``validation`` channels in libsvm (the default), CSV (label
first; ``csv_weights=1``: weight second), Parquet (label first) or RecordIO-protobuf;
hyperparameters passed to ``xgboost.train`` under the container's names; per-round
evaluation lines in the log (``[3]#011train-rmse:… validation-rmse:…``), the last values
reported as final metrics (``train:rmse``, ``validation:rmse``); ``early_stopping_rounds``
watches the validation channel. The artifact is ``xgboost-model`` in XGBoost's native
format, loadable by the real container and by ``xgboost.Booster``.

serve: every non-hidden file of the model directory is a booster (an ensemble is averaged,
as the container does). Requests in ``text/csv``, ``text/libsvm``, ``text/x-libsvm`` or
RecordIO-protobuf (others: 415); answers in CSV (default; one line per row), JSON, JSON
Lines or RecordIO-protobuf (others: 406), with the keys of ``SAGEMAKER_INFERENCE_OUTPUT``
when the model's environment sets it.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import xgboost as xgb
from smspark_local.toolkit import payloads
from smspark_local.toolkit.channels import ChannelFormatError, read_all
from smspark_local.toolkit.container import InvocationError, InvocationResponse, TrainingEnvironment

from smspark_core.codecs.hyperparameter_table import HyperparameterError
from smspark_core.codecs.libsvm import LibSVMParseError, parse_libsvm_rows
from smspark_core.foundation.media_types import (
    CSV,
    JSON,
    JSONLINES,
    LIBSVM_TYPES,
    PROTOBUF,
    media_type,
)
from smspark_xgboost.hyperparameters import HYPERPARAMETERS

MODEL_FILE = "xgboost-model"
DEFAULT_CONTENT_TYPE = LIBSVM_TYPES[0]  # text/libsvm
# Hyperparameters the container consumes itself instead of passing to XGBoost.
CONTAINER_ONLY = {"num_round", "early_stopping_rounds", "csv_weights", "eval_metric", "silent"}
ACCEPTS = (CSV, JSON, JSONLINES, PROTOBUF)
OUTPUT_KEYS = (
    "predicted_label",
    "labels",
    "probability",
    "probabilities",
    "raw_score",
    "raw_scores",
    "predicted_score",
)


# ------------------------------------------------------------------------------- training


def load_channel(env: TrainingEnvironment, channel: str, csv_weights: bool) -> xgb.DMatrix | None:
    """A channel as a DMatrix (labels, and CSV weights), None when it is absent."""
    data = read_all(env, channel, default_content_type=DEFAULT_CONTENT_TYPE)
    if data is None:
        return None
    if data.labels is None:
        raise ChannelFormatError(f"channel {channel!r} holds no labels")
    features, weights = data.features, None
    kind, _ = media_type(env.input_data_config.get(channel, {}).get("ContentType"))
    if csv_weights and kind in (CSV, "csv"):
        weights = np.asarray(features[:, 0]).ravel()
        features = features[:, 1:]
    return xgb.DMatrix(features, label=data.labels, weight=weights, missing=math.nan)


def booster_params(values: Mapping[str, str]) -> dict[str, object]:
    """The parameters for ``xgboost.train``: the hyperparameters the job gave, but the
    container's own, typed and checked by the table (XGBoost's defaults apply to the others);
    ``eval_metric`` as a list, ``silent=1`` as ``verbosity=0``. A key the table does not
    declare goes to XGBoost as its text, for XGBoost to judge."""
    settings = HYPERPARAMETERS.parse(values)
    params: dict[str, object] = {
        name: value
        for name, value in settings.items()
        if value is not None and name not in CONTAINER_ONLY
    }
    params.update((k, v) for k, v in values.items() if k not in HYPERPARAMETERS)
    if settings["eval_metric"] is not None:
        params["eval_metric"] = [m.strip() for m in settings["eval_metric"].split(",")]
    if settings["silent"] == 1:
        params.setdefault("verbosity", 0)
    return params


def train(env: TrainingEnvironment) -> None:
    settings = HYPERPARAMETERS.parse(env.hyperparameters)
    rounds, stopping = settings["num_round"], settings["early_stopping_rounds"]
    csv_weights = settings["csv_weights"] == 1
    params = booster_params(env.hyperparameters)
    if str(params["objective"]).startswith("multi:") and "num_class" not in params:
        raise HyperparameterError(f"hyperparameter num_class is required for {params['objective']}")
    train_matrix = load_channel(env, "train", csv_weights)
    if train_matrix is None:
        raise ChannelFormatError("the train channel holds no data")
    validation = load_channel(env, "validation", csv_weights)
    if stopping and validation is None:
        raise HyperparameterError("early_stopping_rounds needs a validation channel")
    evals = [(train_matrix, "train")] + ([(validation, "validation")] if validation else [])
    history: dict = {}
    booster = xgb.train(
        params,
        train_matrix,
        num_boost_round=rounds,
        evals=evals,
        evals_result=history,
        early_stopping_rounds=stopping,
        verbose_eval=False,
        callbacks=[_LogRounds()],
    )
    temporary = env.model_dir / f"{MODEL_FILE}.ubj"
    booster.save_model(temporary)
    temporary.rename(env.model_dir / MODEL_FILE)
    for data_name, metrics in history.items():
        for metric, values in metrics.items():
            index = booster.best_iteration if stopping else len(values) - 1
            env.report_metric(f"{data_name}:{metric}", values[index])


class _LogRounds(xgb.callback.TrainingCallback):
    """One line per round, in the container's layout (tab written as ``#011``)."""

    def after_iteration(self, model, epoch: int, evals_log) -> bool:
        parts = [
            f"{data}-{metric}:{values[-1]:.5f}"
            for data, metrics in evals_log.items()
            for metric, values in metrics.items()
        ]
        print(f"[{epoch}]#011" + "#011".join(parts), flush=True)
        return False


# -------------------------------------------------------------------------------- serving


def _libsvm_matrix(body: bytes, width: int) -> sp.csr_matrix:
    """A LibSVM request as XGBoost reads it: indices from 0, within the model's width."""
    try:
        rows = parse_libsvm_rows(body.decode("utf-8", "replace"), one_based=False, dim=width)
    except LibSVMParseError as error:
        raise InvocationError(400, str(error)) from None
    return sp.csr_matrix(
        (rows.values.astype(np.float32), rows.indices, rows.indptr),
        shape=(len(rows.labels), width),
    )


def request_matrix(body: bytes, content_type: str, width: int) -> xgb.DMatrix:
    kind, _ = media_type(content_type)
    if kind in LIBSVM_TYPES:
        return xgb.DMatrix(_libsvm_matrix(body, width))
    if kind in (CSV, PROTOBUF):
        rows = payloads.parse_features(body, kind, width, allow_missing=True)
        return xgb.DMatrix(rows, missing=math.nan)
    raise InvocationError(
        415,
        f"content type {content_type!r} is not supported; use text/csv, text/libsvm, "
        f"text/x-libsvm or {payloads.PROTOBUF}",
    )


def load_boosters(model_dir: Path) -> list[xgb.Booster]:
    files = sorted(p for p in model_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise ValueError(f"no model file in {model_dir}")
    boosters = []
    for path in files:
        booster = xgb.Booster()
        with warnings.catch_warnings():  # XGBoost guesses the format of a file named as
            warnings.simplefilter("ignore")  # the container names it: that is expected
            booster.load_model(str(path))  # never unpickled: only XGBoost's own formats
        boosters.append(booster)
    return boosters


def _objective(booster: xgb.Booster) -> tuple[str, int]:
    config = json.loads(booster.save_config())["learner"]
    classes = int(config["learner_model_param"].get("num_class", "0") or 0)
    return config["objective"]["name"], classes


def selected_outputs(
    keys: list[str], predictions: np.ndarray, raw: np.ndarray, objective: str, classes: int
) -> dict[str, np.ndarray]:
    """The ``SAGEMAKER_INFERENCE_OUTPUT`` keys for each row; a key that does not fit the
    objective is NaN, as in the container."""
    rows = len(predictions)
    nan = np.full(rows, np.nan)
    binary = objective in ("binary:logistic", "binary:logitraw", "binary:hinge")
    out: dict[str, np.ndarray] = {}
    for key in keys:
        if key == "predicted_label":
            if objective == "binary:logistic":
                out[key] = (predictions > 0.5).astype(float)
            elif objective == "binary:logitraw":
                out[key] = (predictions > 0).astype(float)
            elif objective == "multi:softprob":
                out[key] = predictions.argmax(axis=1).astype(float)
            elif objective in ("multi:softmax", "binary:hinge"):
                out[key] = predictions.astype(float)
            else:
                out[key] = nan
        elif key == "labels":
            count = 2 if binary else classes
            out[key] = np.tile(np.arange(count, dtype=float), (rows, 1)) if count else nan
        elif key == "probability":
            if objective == "binary:logistic":
                out[key] = predictions
            elif objective == "multi:softprob":
                out[key] = predictions.max(axis=1)
            else:
                out[key] = nan
        elif key == "probabilities":
            if objective == "binary:logistic":
                out[key] = np.column_stack([1 - predictions, predictions])
            elif objective == "multi:softprob":
                out[key] = predictions
            else:
                out[key] = nan
        elif key == "raw_score":
            out[key] = raw if raw.ndim == 1 else nan
        elif key == "raw_scores":
            out[key] = raw if raw.ndim == 2 else raw.reshape(rows, 1)
        elif key == "predicted_score":
            out[key] = predictions if objective.startswith(("reg:", "count:", "survival:")) else nan
    return out


def _csv_cell(values: np.ndarray) -> str:
    if values.ndim == 0:
        return repr(float(values))
    return '"' + ",".join(repr(float(v)) for v in values) + '"'


def encode(results: dict[str, np.ndarray], accept: str, plain: bool) -> InvocationResponse:
    """``plain``: the default answer, the predictions themselves under ``score``."""
    if accept == CSV:
        if plain:
            scores = results["score"]
            lines = (
                [",".join(repr(float(v)) for v in row) for row in scores]
                if scores.ndim == 2
                else [repr(float(v)) for v in scores]
            )
        else:
            count = len(next(iter(results.values())))
            lines = [
                ",".join(_csv_cell(np.asarray(c[i])) for c in results.values())
                for i in range(count)
            ]
        return InvocationResponse("".join(line + "\n" for line in lines).encode(), CSV)
    return payloads.encode_predictions(results, accept)


def serve(model_dir: Path):
    boosters = load_boosters(model_dir)
    width = boosters[0].num_features()
    objective, classes = _objective(boosters[0])
    requested = [
        k.strip() for k in os.environ.get("SAGEMAKER_INFERENCE_OUTPUT", "").split(",") if k.strip()
    ]
    unknown = [k for k in requested if k not in OUTPUT_KEYS]
    if unknown:
        raise ValueError(
            f"SAGEMAKER_INFERENCE_OUTPUT: unknown keys {unknown}; use {', '.join(OUTPUT_KEYS)}"
        )
    default_accept = os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", CSV)
    print(f"XGBoost model: {len(boosters)} booster(s), {width} features, objective {objective}")

    def handle(body: bytes, content_type: str, accept: str) -> InvocationResponse:
        answer = payloads.negotiate(accept, ACCEPTS, default_accept)
        if not body.strip():
            return InvocationResponse(b"", answer)
        matrix = request_matrix(body, content_type, width)
        predictions = np.mean([b.predict(matrix) for b in boosters], axis=0)
        if not requested:
            return encode({"score": predictions}, answer, plain=True)
        raw = np.mean([b.predict(matrix, output_margin=True) for b in boosters], axis=0)
        return encode(
            selected_outputs(requested, predictions, raw, objective, classes), answer, False
        )

    return handle
