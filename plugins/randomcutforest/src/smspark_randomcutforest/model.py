"""The local image's model artifact: smspark's own format, in the service's file name.

* ``model_algo-1``: an ``.npz`` of the forest's node arrays (``lower``, ``upper``,
  ``cut_dim``, ``cut_value``, ``left``, ``right``, ``size``, ``separated``, ``duplicate``,
  ``roots``; see ``smspark_randomcutforest.forest.Forest``), read with
  ``allow_pickle=False``.
* ``model_algo-1.json``: ``format`` (``smspark-randomcutforest/1``), ``feature_dim``,
  ``num_trees``, ``num_samples_per_tree`` (as asked), ``samples_per_tree`` (as built: fewer
  when the channel held fewer rows), ``rows_seen``, ``seed`` and ``score`` (what the scores
  mean).

SageMaker's own ``randomcutforest`` image writes a model of its own format that this image
cannot read, and cannot host an artifact of this one: models do not move between the two.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from smspark_randomcutforest.forest import Forest

FORMAT = "smspark-randomcutforest/1"
FOREST_FILE = "model_algo-1"
METADATA_FILE = "model_algo-1.json"
SCORE = "mean over the trees of the expected collusive displacement (Guha et al., 2016)"
ARRAYS = (
    "lower",
    "upper",
    "cut_dim",
    "cut_value",
    "left",
    "right",
    "size",
    "separated",
    "duplicate",
    "roots",
)


@dataclass(frozen=True)
class RCFModel:
    """A trained forest and what it was trained with."""

    forest: Forest
    num_samples_per_tree: int
    rows_seen: int
    seed: int

    @property
    def feature_dim(self) -> int:
        return self.forest.feature_dim

    def score(self, rows: np.ndarray) -> np.ndarray:
        return self.forest.score(rows)


def write(model: RCFModel, directory: Path) -> None:
    """The model's two files in ``directory``."""
    forest = model.forest
    metadata = {
        "format": FORMAT,
        "feature_dim": model.feature_dim,
        "num_trees": forest.num_trees,
        "num_samples_per_tree": model.num_samples_per_tree,
        "samples_per_tree": int(forest.size[forest.roots[0]]),
        "rows_seen": model.rows_seen,
        "seed": model.seed,
        "score": SCORE,
    }
    (directory / METADATA_FILE).write_text(json.dumps(metadata, indent=1))
    buffer = io.BytesIO()
    np.savez(buffer, **{name: getattr(forest, name) for name in ARRAYS})
    (directory / FOREST_FILE).write_bytes(buffer.getvalue())


def _bad(message: str) -> ValueError:
    return ValueError(f"{FOREST_FILE}: {message}")


def load(directory: Path) -> RCFModel:
    """The model in ``directory``; a ValueError saying what is wrong otherwise."""
    try:
        metadata = json.loads((directory / METADATA_FILE).read_text())
        with np.load(directory / FOREST_FILE, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in ARRAYS}
    except (OSError, ValueError, KeyError) as error:
        raise _bad(
            f"not an smspark Random Cut Forest model ({error}); models trained by "
            "SageMaker's own randomcutforest image cannot be hosted locally"
        ) from None
    if metadata.get("format") != FORMAT:
        raise _bad(f"unknown model format {metadata.get('format')!r}, expected {FORMAT!r}")
    forest = Forest(**arrays)
    nodes = len(forest.size)
    if forest.lower.shape != forest.upper.shape or forest.lower.shape[0] != nodes:
        raise _bad(f"boxes of shape {forest.lower.shape} for {nodes} nodes")
    if forest.feature_dim != metadata.get("feature_dim"):
        raise _bad(f"feature_dim {metadata.get('feature_dim')} but boxes {forest.lower.shape}")
    inner = np.flatnonzero(forest.cut_dim >= 0)
    children = np.concatenate([forest.left[inner], forest.right[inner]])
    if (
        len(forest.roots) == 0
        or ((forest.roots < 0) | (forest.roots >= nodes)).any()
        or (children >= nodes).any()
        or (children <= np.concatenate([inner, inner])).any()  # children follow parents
        or (forest.cut_dim >= forest.feature_dim).any()
    ):
        raise _bad("node references outside the forest, or a child before its parent")
    return RCFModel(
        forest,
        int(metadata["num_samples_per_tree"]),
        int(metadata["rows_seen"]),
        int(metadata["seed"]),
    )
