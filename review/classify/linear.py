"""A linear classifier stored safely: weights in weights.npz (plain arrays), settings in config.json.

Loading never unpickles (`allow_pickle=False`), so a model file cannot run code. Probabilities are the softmax
(or sigmoid, for two classes) of the scores divided by a temperature fitted on held-out data.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from review.classify.features import FeatureExtractor, FeatureSettings
from review.resources import model_path, open_arrays

if TYPE_CHECKING:  # training and evaluation pass scipy matrices; a review never imports scipy
    import scipy.sparse as sp

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.npz"


@dataclass
class LinearModel:
    """Classes, weights (classes × features, or 1 × features for a binary model), bias, temperature."""

    classes: list[str]
    coef: np.ndarray
    intercept: np.ndarray
    settings: FeatureSettings
    temperature: float = 1.0
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.extractor = FeatureExtractor(self.settings)
        # Column-major: scoring one sparse row touches only the rows of its features. A loaded model keeps its
        # file's float16 weights (a row gathered is widened as it is multiplied: the same float32 products), and
        # `coef` becomes a view of the one copy: two float32 copies of the topic models held ~48 MB.
        dtype = np.float16 if self.coef.dtype == np.float16 else np.float32
        self._coef_t = np.ascontiguousarray(self.coef.T, dtype=dtype)
        self.coef = self._coef_t.T

    @property
    def binary(self) -> bool:
        """True for a two-class model with one weight row (the score is for classes[1])."""
        return self.coef.shape[0] == 1

    def scores(self, rows: "sp.csr_matrix") -> np.ndarray:
        """Raw linear scores, one row per input."""
        return np.asarray(rows @ self._coef_t.astype(np.float32, copy=False)) + self.intercept

    def row_scores(self, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Raw scores of one hashed row (FeatureExtractor.hashed_row), bit for bit what `scores` gives.

        scipy adds each feature's weighted column to the scores one after another in float32; a cumulative sum
        adds in the same order (a plain sum may pair terms differently and change the last bits).
        """
        if not len(columns):
            return np.zeros(self._coef_t.shape[1], dtype=np.float32) + self.intercept
        gathered = self._coef_t[columns].astype(np.float32, copy=False)
        weighted = values.astype(np.float32, copy=False)[:, None] * gathered
        return np.add.accumulate(weighted, axis=0)[-1] + self.intercept

    def proba_from_scores(self, scores: np.ndarray, temperature: float | None = None) -> np.ndarray:
        """Calibrated class probabilities from raw scores."""
        t = self.temperature if temperature is None else temperature
        scaled = scores / t
        if self.binary:
            positive = 1.0 / (1.0 + np.exp(-scaled[:, 0]))
            return np.stack([1.0 - positive, positive], axis=1)
        scaled = scaled - scaled.max(axis=1, keepdims=True)
        exp = np.exp(scaled)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict_proba(self, named: list[dict[str, float]]) -> np.ndarray:
        """Probabilities for named-feature dicts (see FeatureExtractor.named_features)."""
        rows = [self.row_scores(*self.extractor.hashed_row(row)) for row in named]
        return self.proba_from_scores(np.stack(rows) if rows else np.zeros((0, self._coef_t.shape[1]), np.float32))

    def fit_temperature(self, scores: np.ndarray, labels: np.ndarray) -> float:
        """Choose the temperature that minimises log-loss on held-out scores (labels are class indices)."""
        best_t, best_loss = 1.0, float("inf")
        for t in np.exp(np.linspace(np.log(0.25), np.log(8.0), 61)):
            proba = self.proba_from_scores(scores, float(t))
            loss = -np.mean(np.log(np.clip(proba[np.arange(len(labels)), labels], 1e-9, 1.0)))
            if loss < best_loss:
                best_t, best_loss = float(t), float(loss)
        self.temperature = best_t
        return best_t

    def save(self, folder: Path) -> None:
        """Write config.json and weights.npz (float16 weights: half the size, same decisions)."""
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            "format": "review-linear-v1",
            "classes": self.classes,
            "temperature": self.temperature,
            "features": self.settings.to_json(),
            "info": self.info,
        }
        (folder / CONFIG_FILE).write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        np.savez_compressed(
            folder / WEIGHTS_FILE,
            coef=self.coef.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
        )

    @classmethod
    def load(cls, folder: Path) -> "LinearModel":
        """Read a model written by `save` (plain arrays only, no pickle)."""
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        if config.get("format") != "review-linear-v1":
            raise ValueError(f"{folder}: not a review linear model")
        with open_arrays(folder / WEIGHTS_FILE) as arrays:
            coef = arrays["coef"]  # float16 as saved (a float32 file stays float32)
            intercept = arrays["intercept"].astype(np.float32)
        return cls(
            classes=list(config["classes"]),
            coef=coef,
            intercept=intercept,
            settings=FeatureSettings.from_json(config["features"]),
            temperature=float(config["temperature"]),
            info=config.get("info", {}),
        )


_loaded: dict[str, LinearModel] = {}
_load_lock = threading.Lock()


def shipped_model(name: str) -> LinearModel:
    """The model under models/<name>/, loaded once per process."""
    model = _loaded.get(name)
    if model is None:
        with _load_lock:
            model = _loaded.get(name)
            if model is None:
                folder = model_path(name)
                if not (folder / CONFIG_FILE).exists():
                    raise FileNotFoundError(
                        f"model {name!r} not found in {folder}; train it with `review train {name}`"
                    )
                model = LinearModel.load(folder)
                _loaded[name] = model
    return model
