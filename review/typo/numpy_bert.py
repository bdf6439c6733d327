"""BERT masked-LM inference in NumPy, read straight from a HuggingFace safetensors checkpoint.

The default runtime needs no torch, transformers or scipy import (together seconds of start-up and hundreds of
MB): any standard `BertForMaskedLM` directory (``config.json`` + ``model.safetensors``, ours or a user's) loads
here. The weights are packed once at load for the forward pass (the query, key and value projections of a layer
as one float32 matrix product, every matrix stored transposed and contiguous), so a batch of windows costs a few
large BLAS products a layer, and the GELU is a float32 rational erf computed in place.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from review.resources import release_free_memory

_PREFIXES = ("bert.", "")


def _wide(array: np.ndarray) -> np.ndarray:
    """`array` as float32: a float16 checkpoint's values exactly (a float32 one as it is, not copied)."""
    return array.astype(np.float32, copy=False)


# erf as a rational function in float32 (the fit Eigen and XLA use for float32 erf, on [-4, 4], where erf is
# within float32 rounding of ±1 outside): absolute error under 5e-7 against math.erf, a few float32 ulps, so
# transformers' exact "gelu" needs no scipy; one float32 pass per coefficient
_ERF_NUMERATOR = np.array([-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
                           -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02], dtype=np.float32)
_ERF_DENOMINATOR = np.array([-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03,
                             -7.37332916720468e-03, -1.42647390514189e-02], dtype=np.float32)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function of float32 `x`, elementwise (absolute error under 5e-7)."""
    x = np.clip(x, np.float32(-4.0), np.float32(4.0), dtype=np.float32)
    x2 = x * x
    numerator = x2 * _ERF_NUMERATOR[0]
    numerator += _ERF_NUMERATOR[1]
    for coefficient in _ERF_NUMERATOR[2:]:
        numerator *= x2
        numerator += coefficient
    numerator *= x
    denominator = x2 * _ERF_DENOMINATOR[0]
    denominator += _ERF_DENOMINATOR[1]
    for coefficient in _ERF_DENOMINATOR[2:]:
        denominator *= x2
        denominator += coefficient
    numerator /= denominator
    return numerator


def _gelu(x: np.ndarray) -> np.ndarray:
    """x * P(X <= x) for a standard normal X (transformers' exact "gelu")."""
    out = erf(x * np.float32(1.0 / np.sqrt(2.0)))
    out += np.float32(1.0)
    out *= x
    out *= np.float32(0.5)
    return out


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


_ACTIVATIONS = {"gelu": _gelu, "relu": _relu}


class NumpyBertMLM:
    """Forward pass of `BertForMaskedLM` (absolute positions, post-LayerNorm) in float32 NumPy."""

    def __init__(self, model_dir: str | Path) -> None:
        folder = Path(model_dir)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type", "bert") != "bert":
            raise ValueError(f"{folder}: model_type {config.get('model_type')!r} is not BERT")
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{folder}: only absolute position embeddings are supported")
        act = config.get("hidden_act", "gelu")
        if act not in _ACTIVATIONS:
            raise ValueError(f"{folder}: activation {act!r} is not supported")
        self.act = _ACTIVATIONS[act]
        self.heads = int(config["num_attention_heads"])
        self.eps = np.float32(config.get("layer_norm_eps", 1e-12))
        self.layers_n = int(config["num_hidden_layers"])
        self.vocab_size = int(config["vocab_size"])
        self.max_positions = int(config.get("max_position_embeddings", 512))
        weights = folder / "model.safetensors"
        if not weights.exists():
            raise FileNotFoundError(f"{weights} is missing")
        # The weights (~12 MB packed, float16 as shipped) are read on the first forward pass: the typo check sends
        # the transformer ~0.1% of a clean post's sentences, so most `review check` runs never need them.
        self._weights_file: Path | None = weights
        self._loading = threading.Lock()

    def _load(self) -> None:
        """Read and pack the weights, once (the first forward pass, from any thread)."""
        with self._loading:
            if self._weights_file is not None:
                # the checkpoint's own dtype (float16 as shipped): matrices stay in it and widen to float32 where a
                # product reads them (`_wide`: the same float32 values, so the same results, at half the memory)
                self.w = load_file(str(self._weights_file))
                self._pack()
                self._weights_file = None
                release_free_memory()  # the float16 file and the unpacked copies, freed by `_pack`

    def _get(self, name: str) -> np.ndarray:
        for prefix in _PREFIXES:
            if prefix + name in self.w:
                return self.w[prefix + name]
        raise KeyError(name)

    def _pack(self) -> None:
        """The weights as the forward pass uses them: transposed, contiguous, Q/K/V of a layer side by side."""
        def dense(name: str) -> tuple[np.ndarray, np.ndarray]:
            return np.ascontiguousarray(self._get(name + ".weight").T), _wide(self._get(name + ".bias"))

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return _wide(self._get(name + ".weight")), _wide(self._get(name + ".bias"))

        self.layers = []
        for i in range(self.layers_n):
            p = f"encoder.layer.{i}."
            parts = [dense(p + f"attention.self.{part}") for part in ("query", "key", "value")]
            qkv = (np.ascontiguousarray(np.concatenate([w for w, _ in parts], 1)),
                   np.concatenate([b for _, b in parts]))
            self.layers.append((qkv, dense(p + "attention.output.dense"), norm(p + "attention.output.LayerNorm"),
                                dense(p + "intermediate.dense"), dense(p + "output.dense"),
                                norm(p + "output.LayerNorm")))
        self.embeddings = (self._get("embeddings.word_embeddings.weight"),
                           _wide(self._get("embeddings.position_embeddings.weight")),
                           _wide(self._get("embeddings.token_type_embeddings.weight")[0]))
        self.embedding_norm = norm("embeddings.LayerNorm")
        self.head_dense = dense("cls.predictions.transform.dense")
        self.head_norm = norm("cls.predictions.transform.LayerNorm")
        decoder = self.w.get("cls.predictions.decoder.weight")
        if decoder is None:  # tied to the input embeddings, so safetensors stores it once
            decoder = self._get("embeddings.word_embeddings.weight")
        self.decoder = np.ascontiguousarray(decoder.T)
        decoder_bias = self.w.get("cls.predictions.bias", self.w.get("cls.predictions.decoder.bias"))
        self.decoder_bias = None if decoder_bias is None else _wide(decoder_bias)
        self.w = {}  # everything is packed: the checkpoint's own arrays would only double the memory

    def _layer_norm(self, x: np.ndarray, weights: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        x = x - mean
        var = np.square(x).mean(-1, keepdims=True)
        x /= np.sqrt(var + self.eps)
        x *= weights[0]
        x += weights[1]
        return x

    @staticmethod
    def _dense(x: np.ndarray, weights: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        # one (batch * length, in) x (in, out) product: a single large BLAS call rather than one per window
        out = x.reshape(-1, x.shape[-1]) @ _wide(weights[0])
        out += weights[1]
        return out.reshape(*x.shape[:-1], out.shape[-1])

    def hidden(self, ids: np.ndarray, attention: np.ndarray) -> np.ndarray:
        """Final hidden states (batch, length, hidden) for token ids and a 0/1 attention mask."""
        if self._weights_file is not None:
            self._load()
        batch, length = ids.shape
        words, positions, token_type = self.embeddings
        x = _wide(words[ids]) + positions[:length][None] + token_type[None, None]
        x = self._layer_norm(x, self.embedding_norm)
        bias = np.where(attention[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min).astype(np.float32)
        hidden = x.shape[-1]
        head = hidden // self.heads
        scale = np.float32(1.0 / np.sqrt(head))
        for qkv, out, out_norm, inner, down, down_norm in self.layers:
            # (batch, length, 3 * hidden) -> three (batch, heads, length, head) views
            q, k, v = self._dense(x, qkv).reshape(batch, length, 3, self.heads, head).transpose(2, 0, 3, 1, 4)
            scores = q @ k.transpose(0, 1, 3, 2)
            scores *= scale
            scores += bias
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores, out=scores)
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = self._layer_norm(x + self._dense(context, out), out_norm)
            x = self._layer_norm(x + self._dense(self.act(self._dense(x, inner)), down), down_norm)
        return x

    def logits(self, ids: np.ndarray, attention: np.ndarray) -> np.ndarray:
        """MLM logits (batch, length, vocab)."""
        if self._weights_file is not None:
            self._load()
        h = self._layer_norm(self.act(self._dense(self.hidden(ids, attention), self.head_dense)), self.head_norm)
        out = (h.reshape(-1, h.shape[-1]) @ _wide(self.decoder)).reshape(*h.shape[:-1], self.decoder.shape[1])
        if self.decoder_bias is not None:
            out += self.decoder_bias
        return out
