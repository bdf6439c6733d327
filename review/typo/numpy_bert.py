"""BERT masked-LM inference in NumPy, read straight from a HuggingFace safetensors checkpoint.

Serving needs no torch or transformers import (together several seconds of start-up): the typo check reaches
its first report quickly, and any standard `BertForMaskedLM` directory (ours or a user's) loads here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf

_PREFIXES = ("bert.", "")


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / np.float32(np.sqrt(2.0))))


_ACTIVATIONS = {"gelu": _gelu, "relu": lambda x: np.maximum(x, 0), "gelu_new": None}


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
        if act not in ("gelu", "relu"):
            raise ValueError(f"{folder}: activation {act!r} is not supported")
        self.act = _ACTIVATIONS[act]
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.layers_n = int(config["num_hidden_layers"])
        weights = load_file(str(folder / "model.safetensors"))
        self.w = {k: v.astype(np.float32) for k, v in weights.items()}
        self.vocab_size = int(config["vocab_size"])
        self.max_positions = int(config.get("max_position_embeddings", 512))

    def _get(self, name: str) -> np.ndarray:
        for prefix in _PREFIXES:
            if prefix + name in self.w:
                return self.w[prefix + name]
        raise KeyError(name)

    def _layer_norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self._get(name + ".weight") + self._get(name + ".bias")

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self._get(name + ".weight").T + self._get(name + ".bias")

    def hidden(self, ids: np.ndarray, attention: np.ndarray) -> np.ndarray:
        """Final hidden states (batch, length, hidden) for token ids and a 0/1 attention mask."""
        batch, length = ids.shape
        x = self._get("embeddings.word_embeddings.weight")[ids]
        x = x + self._get("embeddings.position_embeddings.weight")[:length][None]
        x = x + self._get("embeddings.token_type_embeddings.weight")[0][None, None]
        x = self._layer_norm(x, "embeddings.LayerNorm")
        bias = np.where(attention[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min).astype(np.float32)
        hidden = x.shape[-1]
        head = hidden // self.heads
        scale = np.float32(1.0 / np.sqrt(head))
        for i in range(self.layers_n):
            p = f"encoder.layer.{i}."

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, self.heads, head).transpose(0, 2, 1, 3)

            q = split(self._dense(x, p + "attention.self.query"))
            k = split(self._dense(x, p + "attention.self.key"))
            v = split(self._dense(x, p + "attention.self.value"))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores = scores - scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = self._layer_norm(
                x + self._dense(context, p + "attention.output.dense"), p + "attention.output.LayerNorm"
            )
            inner = self.act(self._dense(x, p + "intermediate.dense"))
            x = self._layer_norm(x + self._dense(inner, p + "output.dense"), p + "output.LayerNorm")
        return x

    def logits(self, ids: np.ndarray, attention: np.ndarray) -> np.ndarray:
        """MLM logits (batch, length, vocab)."""
        h = self.hidden(ids, attention)
        h = self._layer_norm(
            self.act(self._dense(h, "cls.predictions.transform.dense")), "cls.predictions.transform.LayerNorm"
        )
        decoder = self.w.get("cls.predictions.decoder.weight")
        if decoder is None:  # tied to the input embeddings, so safetensors stores it once
            decoder = self._get("embeddings.word_embeddings.weight")
        bias = self.w.get("cls.predictions.bias", self.w.get("cls.predictions.decoder.bias"))
        out = h @ decoder.T
        return out + bias if bias is not None else out
