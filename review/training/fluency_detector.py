"""Train the fluency check's replaced-word detector (models/fluency/detector.npz), an ELECTRA-style discriminator.

    python -m review.training.fluency_detector --data ../shared/data [--minutes 30] [--resume]

Training text: the 《新闻联播》 articles the word counts read (`review.training.fluency.news_articles` before
HELD_OUT_FROM, minus the classifier's tenth of 2012-2021: `classifier_split`), segmented by the pipeline's jieba.
With them, `REPORT_COPIES` copies of the government work reports' "detector" part (`report_split`; the classifier
reads the "classifier" part, the benchmark the "eval" third). The laws are not read (no split). Each article gets a
"spun" copy with `--min-rate` to `--max-rate` of its Chinese words of two or more characters replaced by a
substitute **no spinner list provides** (lexicons/fluency/spin_pairs.tsv and the blind pairs are never read):

- a distributional neighbour taken in reverse (models/fluency/neighbours.npz lists, for a rarer word, the
  commoner words it may stand for: here a commoner word is replaced by a rarer word whose row holds it);
- a word of jieba's dictionary of the same length and part of speech that shares a character in the same place
  and is rarer (many outside the word model's vocabulary: their characters are what the detector sees).

The spun text is segmented again (jieba may cut a substitute with its neighbours) and every token that overlaps a
substitute is labelled replaced. A share of the copies (`CLEAN_SHARE`) is left clean. The model
(`review.checks.fluency.ReplacedWordDetector`): word embeddings (words.npz's vocabulary, initialised from a
64-dimensional SVD of its pair counts, as the neighbours are found), the mean of the word's character embeddings,
two 1-D convolutions of widths 5 and 3 (a word sees three words each side), one logit a word; binary
cross-entropy on Chinese words. CPU torch, one thread; a checkpoint every `--checkpoint-minutes` (`--resume`
carries on from it); the export is float16 numpy arrays, read by numpy at run time.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from review.checks.fluency import (
    DETECTOR_MODEL,
    NEIGHBOURS_MODEL,
    WORDS_MODEL,
    _strings,
    detector_inputs,
    pack_strings,
    word_units,
)
from review.resources import model_path
from review.segment import tokenize
from review.training.fluency import classifier_split, news_articles, report_chunks, word_vectors
from review.training.fluency_spins import Substitutes, jieba_dictionary, starts_han, substitute_text

DIMENSION, HIDDEN, WIDTHS = 64, 96, (5, 3)
SEQUENCE = 128  # words a training row
CLEAN_SHARE = 0.15
DROPOUT = 0.2
EMBEDDING_LR, LR = 3e-4, 2e-3  # the word embeddings move slowly from their SVD start (rare words keep their meaning)
CHARACTERS = 6000  # character rows (the commonest characters of the training text)
# the reports' register (long enumerations, 坚持…推进…) is rarer in the news; each detector-part chunk is read
# this many times, spun differently each time, so that reports are about a tenth of the rows
REPORT_COPIES = 6


def spun_copy(text: str, substitutes: Substitutes, rate: float, rng: random.Random) -> tuple[list[str], list[int]]:
    """The word forms of `text` with `rate` of its Chinese words replaced, re-segmented, and a 0/1 label for each
    (1: overlaps a substitute)."""
    spun, spans = substitute_text(text, substitutes, rate, rng)
    new = word_units(tokenize(spun))
    marks = np.zeros(len(spun) + 1, dtype=np.int64)
    for start, end in spans:
        marks[start] += 1
        marks[end] -= 1
    inside = np.cumsum(marks)[:-1] > 0
    return [word.form for word in new], [int(inside[word.start : word.end].any()) for word in new]


def build_rows(texts: list[str], substitutes: Substitutes, index: dict[str, int], vocabulary: int,
               char_index: dict[str, int], rng: random.Random, min_rate: float, max_rate: float) -> dict:
    """Training rows of SEQUENCE words: word rows, character rows, labels and the loss mask (Chinese words)."""
    words, chars, labels, mask = [], [], [], []
    for text in texts:
        rate = 0.0 if rng.random() < CLEAN_SHARE else rng.uniform(min_rate, max_rate)
        forms, marks = spun_copy(text, substitutes, rate, rng)
        ids = np.fromiter((index.get(form, -1) for form in forms), dtype=np.int64, count=len(forms))
        word_rows, char_rows = detector_inputs(forms, ids, vocabulary, char_index)
        han = np.array([starts_han(form) for form in forms], dtype=bool)
        for start in range(0, len(forms), SEQUENCE):
            stop = min(len(forms), start + SEQUENCE)
            if stop - start < 16:
                continue
            pad = SEQUENCE - (stop - start)
            words.append(np.pad(word_rows[start:stop], (0, pad), constant_values=vocabulary + 4))
            chars.append(np.pad(char_rows[start:stop], ((0, pad), (0, 0))))
            labels.append(np.pad(np.array(marks[start:stop]), (0, pad)))
            mask.append(np.pad(han[start:stop], (0, pad)))
    return {"words": np.array(words), "chars": np.array(chars), "labels": np.array(labels, dtype=np.float32),
            "mask": np.array(mask)}


def make_model(vocabulary: int, characters: int, vectors: np.ndarray | None):
    """The torch model (imported here only: the library never imports torch)."""
    import torch
    from torch import nn

    class Detector(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # rows: the vocabulary, unknown words of length 1, 2, 3, 4+, and padding
            self.words = nn.Embedding(vocabulary + 5, DIMENSION, padding_idx=vocabulary + 4)
            self.chars = nn.Embedding(characters + 2, DIMENSION, padding_idx=0)
            with torch.no_grad():
                self.words.weight.normal_(0, 0.1)
                if vectors is not None:
                    self.words.weight[:vocabulary] = torch.from_numpy(vectors)
                self.words.weight[vocabulary + 4] = 0.0
                self.chars.weight.normal_(0, 0.1)
                self.chars.weight[0] = 0.0
            sizes = (DIMENSION,) + (HIDDEN,) * len(WIDTHS)
            self.convs = nn.ModuleList(nn.Conv1d(sizes[k], sizes[k + 1], width, padding=width // 2)
                                       for k, width in enumerate(WIDTHS))
            self.out = nn.Linear(HIDDEN, 1)
            self.dropout = nn.Dropout(DROPOUT)  # against learning each substitute by heart

        def forward(self, words, chars):
            present = (chars > 0).sum(dim=2, keepdim=True).clamp(min=1)
            x = self.words(words) + self.chars(chars).sum(dim=2) / present
            x = self.dropout(x).transpose(1, 2)
            for conv in self.convs:
                x = torch.relu(conv(x))
            return self.out(x.transpose(1, 2)).squeeze(-1)

    return Detector()


def export(model, vocabulary: int, chars: list[str], path: Path) -> None:
    """Write the weights as float16 numpy arrays (`review.checks.fluency.load_detector` reads them)."""
    state = {name: value.detach().numpy() for name, value in model.state_dict().items()}
    arrays = {
        "word_embeddings": state["words.weight"][: vocabulary + 4].astype(np.float16),
        "char_embeddings": state["chars.weight"].astype(np.float16),
        "chars": pack_strings(chars),
        "layers": np.array(len(WIDTHS)),
        "vocabulary": np.array(vocabulary),
        "out_weight": state["out.weight"][0].astype(np.float16),
        "out_bias": np.array(float(state["out.bias"][0])),
    }
    for k in range(len(WIDTHS)):
        weight = state[f"convs.{k}.weight"]  # (out, in, width) → (width × in, out), the numpy pass's layout
        arrays[f"conv{k}_weight"] = weight.transpose(2, 1, 0).reshape(-1, weight.shape[0]).astype(np.float16)
        arrays[f"conv{k}_bias"] = state[f"convs.{k}.bias"].astype(np.float16)
    np.savez_compressed(path, **arrays)


def training_texts(data: Path, articles: int, seed: int, report_copies: int = REPORT_COPIES) -> list[str]:
    """A sample of the articles the word counts read (never the classifier's tenth, never held-out news), and
    `report_copies` copies of each chunk of the reports' "detector" part (each copy is spun afresh)."""
    texts = [text for date, text in news_articles(data)
             if len(text) >= 100 and (date >= "20220101" or classifier_split(text) is None)]
    texts = random.Random(seed).sample(texts, min(articles, len(texts)))
    return texts + report_chunks(data, "detector") * report_copies


def train(data: Path, out: Path, work: Path, articles: int, minutes: float, resume: bool, seed: int,
          min_rate: float, max_rate: float, checkpoint_minutes: float) -> dict:
    """Build the rows (or load them from `work`), train for `minutes` (resuming from `work`'s checkpoint), export
    to `out`/detector.npz; returns the figures written to `work`/stats.json."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    work.mkdir(parents=True, exist_ok=True)
    with np.load(out / WORDS_MODEL[-1], allow_pickle=False) as arrays:
        vocab = _strings(arrays["vocab"])
        keys, pair_counts = arrays["bigram_keys"].astype(np.int64), arrays["bigram_counts"]
    vocabulary = len(vocab)
    index = {word: k for k, word in enumerate(vocab)}
    rows_file, state_file = work / "rows.npz", work / "checkpoint.pt"
    if rows_file.exists():
        with np.load(rows_file, allow_pickle=False) as saved:
            rows = {name: saved[name] for name in ("words", "chars", "labels", "mask")}
            chars = _strings(saved["char_list"])
    else:
        started = time.time()
        texts = training_texts(data, articles, seed)
        counter: Counter[str] = Counter(char for text in texts for char in text if "\u4e00" <= char <= "\u9fff")
        chars = [char for char, _ in counter.most_common(CHARACTERS)]
        char_index = {char: k + 2 for k, char in enumerate(chars)}
        with np.load(out / NEIGHBOURS_MODEL[-1], allow_pickle=False) as saved:
            neighbours = saved["neighbours"]
        substitutes = Substitutes(vocab, neighbours, jieba_dictionary())
        rng = random.Random(seed)
        rows = build_rows(texts, substitutes, index, vocabulary, char_index, rng, min_rate, max_rate)
        np.savez_compressed(rows_file, char_list=pack_strings(chars), **rows)
        print(f"rows {len(rows['words'])} built in {time.time() - started:.0f}s", flush=True)
    count = len(rows["words"])
    order = np.random.default_rng(seed).permutation(count)
    held = order[: max(64, count // 50)]  # a fiftieth of the rows for the word-level validation figures
    fit = order[len(held) :]
    model = make_model(vocabulary, len(chars), None)
    others = [value for name, value in model.named_parameters() if name != "words.weight"]
    optimiser = torch.optim.Adam([{"params": [model.words.weight], "lr": EMBEDDING_LR}, {"params": others}], lr=LR)
    step, seconds_before = 0, 0.0
    if resume and state_file.exists():
        saved_state = torch.load(state_file)
        model.load_state_dict(saved_state["model"])
        optimiser.load_state_dict(saved_state["optimiser"])
        step, seconds_before = saved_state["step"], saved_state["seconds"]
    elif not resume:
        vectors = word_vectors(keys, pair_counts, vocabulary, size=DIMENSION)
        with torch.no_grad():
            model.words.weight[:vocabulary] = torch.from_numpy(vectors * 0.5)
    tensors = {name: torch.from_numpy(value) for name, value in rows.items()}
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    started, last_save = time.time(), time.time()
    batch = 32
    generator = np.random.default_rng(seed + step)
    while time.time() - started < minutes * 60:
        chosen = torch.from_numpy(generator.choice(fit, batch))
        logits = model(tensors["words"][chosen], tensors["chars"][chosen])
        mask = tensors["mask"][chosen].float()
        loss = (loss_fn(logits, tensors["labels"][chosen]) * mask).sum() / mask.sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        step += 1
        if step % 200 == 0:
            print(f"step {step} loss {loss.item():.4f} {time.time() - started:.0f}s", flush=True)
        if time.time() - last_save > checkpoint_minutes * 60:
            torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "step": step,
                        "seconds": seconds_before + time.time() - started}, state_file)
            last_save = time.time()
    torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "step": step,
                "seconds": seconds_before + time.time() - started}, state_file)
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(tensors["words"][held[k : k + 256]], tensors["chars"][held[k : k + 256]])
                            for k in range(0, len(held), 256)]).numpy()
    mask = rows["mask"][held]
    labels = rows["labels"][held][mask]
    scores = logits[mask]
    clean_scores = scores[labels == 0]
    figures = {"steps": step, "rows": count, "validation_words": int(mask.sum()),
               "validation_replaced": int(labels.sum()),
               "train_seconds": round(seconds_before + time.time() - started)}
    for share in (0.005, 0.01, 0.02, 0.05):
        threshold = float(np.quantile(clean_scores, 1 - share))
        figures[f"recall_at_{share}"] = {"threshold": round(threshold, 3),
                                         "recall": round(float((scores[labels == 1] >= threshold).mean()), 4)}
    export(model, vocabulary, chars, out / DETECTOR_MODEL[-1])
    (work / "stats.json").write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return figures


def calibrate(data: Path, out: Path, posts: int, seed: int) -> dict:
    """Logit quantiles of the Chinese words of clean news the detector and the word counts never read (the
    classifier's "fit" articles: `detect_logit` and `detect_weak_logit` in lexicons/fluency/fluency.toml are set
    from them), and the share of the spun words of the `train` half of spin_pairs.tsv (the check's own list, never
    the detector's) that pass each quantile in the same articles spun at every occurrence."""
    from review.checks.fluency import FluencyCheck, load_detector, load_spin_pairs
    from review.training.fluency import spin_text

    texts = [text for date, text in news_articles(data) if date < "20220101" and classifier_split(text) == "fit"]
    texts = random.Random(seed).sample(texts, min(posts, len(texts)))
    check = FluencyCheck()
    check.use_detector(load_detector(str(out / DETECTOR_MODEL[-1])))
    table = dict(load_spin_pairs("train"))
    spun_words = set(table.values())

    def logits(text: str) -> tuple[np.ndarray, list[str]]:
        words = word_units(tokenize(text))
        scores, at = check.detected(words, check.words.ids([word.form for word in words]))
        return scores, [words[k].form for k in at.tolist()]

    clean = np.concatenate([logits(text)[0] for text in texts])
    spun = []
    for text in texts:
        scores, forms = logits(spin_text(text, table, 1.0, random.Random(seed))[0])
        spun += [score for score, form in zip(scores.tolist(), forms) if form in spun_words]
    figures: dict = {"clean_words": len(clean), "train_pair_words": len(spun)}
    for share in (0.0025, 0.005, 0.01, 0.02, 0.05):
        threshold = float(np.quantile(clean, 1 - share))
        figures[f"clean_{share}"] = {"logit": round(threshold, 3),
                                     "train_pairs_recall": round(float(np.mean(np.array(spun) >= threshold)), 4)}
    return figures


def main(argv: list[str] | None = None) -> int:
    """Train from the command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=None, help="models/fluency (words.npz and neighbours.npz)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/fluency_detector"),
                        help="rows and checkpoints (not shipped)")
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--checkpoint-minutes", type=float, default=3.0)
    parser.add_argument("--min-rate", type=float, default=0.05)
    parser.add_argument("--max-rate", type=float, default=0.20)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--calibrate", type=int, default=0, metavar="POSTS",
                        help="only print the logit quantiles of this many clean unseen articles")
    args = parser.parse_args(argv)
    out = args.out or model_path("fluency")
    if args.calibrate:
        print(json.dumps(calibrate(args.data, out, args.calibrate, args.seed), indent=1))
        return 0
    figures = train(args.data, out, args.work, args.articles, args.minutes, args.resume, args.seed,
                    args.min_rate, args.max_rate, args.checkpoint_minutes)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
