"""Batched CPU inference for the CSC model, precision first.

    from review.typo.transformer import Corrector
    corr = Corrector("models/csc")                 # load once per process
    corr.correct(["我们要再接再励。"])               # -> [[Edit(5, '励', '厉', 0.97)]]

A replacement is suggested only when
  * the source character is a CJK ideograph known to the model (digits, Latin, punctuation, symbols are never
    touched; nor are positions the caller marks as protected),
  * the suggested character is in the confusion set of the source character, and
  * its probability is at least ``threshold`` and higher than the source character's own probability.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from review.chars import is_han
from review.resources import models_dir
from review.typo.checkpoint import CharVocab
from review.typo.confusion import ConfusionSet
from review.typo.edits import Corrector as CorrectorProtocol
from review.typo.edits import Edit, Spans, apply_edits

DEFAULT_MODEL_DIR = models_dir() / "csc"
DEFAULT_THRESHOLD = 0.5


class Corrector(CorrectorProtocol):
    """Character-level spelling corrector.

    Args:
        model_dir: HF-format directory (config.json, model.safetensors, vocab.txt); default ``models/csc``.
        confusion: a ``ConfusionSet``, a path to a confusion TSV, or None for ``lexicons/confusion/confusion.tsv``.
        threshold: minimum probability of a suggestion; None = the value tuned on the dev split stored in the
            model's ``csc.json`` (else 0.5).
        batch_size: sentences (windows) per forward pass.
        device: torch device string, "cpu" by default ("cuda" for a GPU; int8 quantisation is CPU-only).
        num_threads: if given, ``torch.set_num_threads(num_threads)``.
        model, vocab: an already loaded model and ``CharVocab`` (then ``model_dir`` is not read).
        quantize: int8 dynamic quantisation of the linear layers (about 2x faster on a CPU core, probabilities
            change by ~1e-4); default: on for a model loaded from ``model_dir`` on the CPU.
        backend: "torch" (transformers model: training, evaluation, a GPU) or "numpy" (`NumpyBertMLM`: no torch or
            transformers import; what the typo check runs by default, see review/typo/model_pass.py); only for
            ``model_dir``. torch and transformers are the ``train`` extra (``pip install 'review[train]'``).
    """

    def __init__(self, model_dir=None, confusion=None, threshold: Optional[float] = None, batch_size: int = 32,
                 device: str = "cpu", num_threads: Optional[int] = None, model=None, vocab: Optional[CharVocab] = None,
                 quantize: Optional[bool] = None, backend: str = "torch"):
        self.device = device
        self.backend = backend if model is None else "torch"
        meta: dict = {}
        self.quantized = False
        if self.backend == "numpy":
            from review.typo.numpy_bert import NumpyBertMLM

            folder = Path(model_dir or DEFAULT_MODEL_DIR)
            self.model = NumpyBertMLM(folder)
            vocab = CharVocab.load(folder / "vocab.txt")
            if (folder / "csc.json").exists():
                meta = json.loads((folder / "csc.json").read_text(encoding="utf-8"))
            max_pos = self.model.max_positions
        else:
            torch = import_torch()
            from review.typo.checkpoint import load_model

            if num_threads:
                torch.set_num_threads(num_threads)
            if quantize is None:
                quantize = model is None and device == "cpu"
            if model is None:
                model, vocab, meta = load_model(model_dir or DEFAULT_MODEL_DIR, device=device)
            self.model = model.to(device).eval()
            if quantize:
                self.model, self.quantized = _quantize(self.model)
            max_pos = getattr(self.model.config, "max_position_embeddings", 512)
        self.vocab = vocab
        self.meta = meta
        if confusion is None or isinstance(confusion, (str, os.PathLike)):
            confusion = ConfusionSet.load(confusion)
        self.confusion = confusion
        self.threshold = float(threshold if threshold is not None else meta.get("threshold", DEFAULT_THRESHOLD))
        self.batch_size = batch_size
        self.window = max(8, min(max_pos, 512) - 2)
        self._cand_cache: Dict[int, Optional[np.ndarray]] = {}

    # ---------------------------------------------------------------------------------------------------
    def _candidates(self, src_id: int, ch: str) -> Optional[np.ndarray]:
        if src_id in self._cand_cache:
            return self._cand_cache[src_id]
        ids = sorted({self.vocab.stoi[c] for c in self.confusion.candidates(ch) if c in self.vocab})
        t = np.array(ids, dtype=np.int64) if ids else None
        self._cand_cache[src_id] = t
        return t

    def _eligible(self, ch: str) -> bool:
        return is_han(ch) and ch in self.vocab and ch in self.confusion

    def _logits(self, ids: np.ndarray, att: np.ndarray) -> np.ndarray:
        """MLM logits (batch, length, vocab) as float32 NumPy, from either backend."""
        if self.backend == "numpy":
            return self.model.logits(ids, att)
        import torch

        with torch.inference_mode():
            out = self.model(input_ids=torch.from_numpy(ids).to(self.device),
                             attention_mask=torch.from_numpy(att).to(self.device))
            return out.logits.float().cpu().numpy()

    def _decode_batch(self, windows: List[str], thr: float) -> List[List[Edit]]:
        """Per window its edits (offsets in the window), decoded from one forward pass."""
        v = self.vocab
        T = max(len(w) for w in windows) + 2
        ids = np.full((len(windows), T), v.pad_id, dtype=np.int64)
        att = np.zeros((len(windows), T), dtype=np.int64)
        for r, w in enumerate(windows):
            e = v.encode(w)
            ids[r, : len(e)] = e
            att[r, : len(e)] = 1
        logits = self._logits(ids, att)
        top = logits.max(-1, keepdims=True)
        lse = top[..., 0] + np.log(np.exp(logits - top).sum(-1))  # (B, T)
        src_p = np.exp(np.take_along_axis(logits, ids[..., None], -1)[..., 0] - lse)
        # a position can only change if something else has probability >= thr, i.e. 1 - p(src) >= thr
        flag = (src_p <= 1.0 - min(thr, 0.999) + 1e-6) & att.astype(bool)
        flag[:, 0] = False
        out: List[List[Edit]] = [[] for _ in windows]
        for r, t in zip(*np.nonzero(flag)):
            r, t = int(r), int(t)
            j = t - 1
            w = windows[r]
            if j >= len(w):
                continue
            ch = w[j]
            if not self._eligible(ch):
                continue
            cands = self._candidates(int(ids[r, t]), ch)
            if cands is None:
                continue
            pc = np.exp(logits[r, t, cands] - lse[r, t])
            k = int(np.argmax(pc))
            best = float(pc[k])
            if best >= thr and best > float(src_p[r, t]):
                out[r].append(Edit(j, ch, v.itos[int(cands[k])], round(best, 4)))
        return out

    def char_logprobs(self, sentences: Sequence[str]) -> List[np.ndarray]:
        """Per sentence, the model's log-probabilities (length, vocabulary) at every character, batched."""
        windows: List[str] = []
        where: List[Tuple[int, int]] = []
        for si, s in enumerate(sentences):
            for start in range(0, len(s), self.window):
                windows.append(s[start: start + self.window])
                where.append((si, start))
        out = [np.zeros((len(s), len(self.vocab)), dtype=np.float32) for s in sentences]
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        v = self.vocab
        for b in range(0, len(order), self.batch_size):
            idx = order[b: b + self.batch_size]
            T = max(len(windows[i]) for i in idx) + 2
            ids = np.full((len(idx), T), v.pad_id, dtype=np.int64)
            att = np.zeros((len(idx), T), dtype=np.int64)
            for r, i in enumerate(idx):
                e = v.encode(windows[i])
                ids[r, : len(e)] = e
                att[r, : len(e)] = 1
            logits = self._logits(ids, att)
            top = logits.max(-1, keepdims=True)
            logp = logits - (top + np.log(np.exp(logits - top).sum(-1, keepdims=True)))
            for r, i in enumerate(idx):
                si, start = where[i]
                n = len(windows[i])
                out[si][start: start + n] = logp[r, 1: n + 1]
        return out

    def correct(self, sentences: Sequence[str], threshold: Optional[float] = None,
                protected: Optional[Spans] = None) -> List[List[Edit]]:
        """Suggest corrections.

        Args:
            sentences: texts (any length; long ones are processed in windows).
            threshold: overrides the instance threshold for this call.
            protected: per sentence, a list of half-open (start, end) spans never to touch (names, places ...).

        Returns:
            per sentence its one-character `Edit`s sorted by index: ``index`` is the code-point offset in that
            sentence and ``probability`` the model probability of the suggestion.
        """
        thr = self.threshold if threshold is None else float(threshold)
        windows: List[str] = []
        where: List[Tuple[int, int]] = []
        for si, s in enumerate(sentences):
            for start in range(0, max(1, len(s)), self.window):
                w = s[start: start + self.window]
                if w and any(self._eligible(c) for c in w):
                    windows.append(w)
                    where.append((si, start))
        results: List[List[Edit]] = [[] for _ in sentences]
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        for b in range(0, len(order), self.batch_size):
            idx = order[b: b + self.batch_size]
            for i, edits in zip(idx, self._decode_batch([windows[i] for i in idx], thr)):
                si, start = where[i]
                prot = protected[si] if protected is not None and si < len(protected) else ()
                for edit in edits:
                    pos = start + edit.index
                    if not any(a <= pos < e for a, e in prot):
                        results[si].append(edit.shifted(start))
        for r in results:
            r.sort()
        return results

    def correct_text(self, sentence: str, threshold: Optional[float] = None) -> Tuple[str, List[Edit]]:
        """(corrected sentence, edits) for one sentence."""
        edits = self.correct([sentence], threshold=threshold)[0]
        return apply_edits(sentence, edits), edits


TORCH_MISSING = ("未安装 torch：模型训练或 torch 后端需要 pip install 'review[train]'（CPU 版 torch 见 "
                 "https://download.pytorch.org/whl/cpu）/ torch is not installed: training and the torch backend need "
                 "pip install 'review[train]' (CPU-only torch: --index-url https://download.pytorch.org/whl/cpu)")


def import_torch():
    """torch, or an ImportError saying how to install it (the default runtime never needs it)."""
    try:
        import torch
    except ImportError as error:
        raise ImportError(TORCH_MISSING) from error
    return torch


def _quantize(model):
    """int8 dynamic quantisation of nn.Linear; returns (model, done). Falls back silently where unsupported."""
    import warnings

    import torch

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            q = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        return q, True
    except Exception:  # pragma: no cover - backend without int8 kernels
        return model, False

