"""Train the character cloze model (review/typo/cloze.py) on clean formal text.

    review train cloze --data ../shared/data --ckpt /tmp/cloze_ckpt --out models/cloze --max-minutes 9

Text: exactly what the n-gram model counts as clean formal text (``review.training.corpora.clean_texts``:
《新闻联播》 before 2026-03-01, government and congress reports, the litigation corpus's train/val splits, MSRA
news minus the evaluation sentences). Not the training pairs' targets (the reranker learns from those pairs and
must see them as unseen text), not the news from 2026-03 on (the reranker's error-free rows and the tuning set).

Objective: at a random Chinese character that has confusion-set neighbours, pick it among itself and up to
``--neighbours`` of its neighbours (the most frequent ones) from the ±``--width`` characters around it. A few
context characters are swapped for one of their own neighbours, as nearby errors would. Resumable: a
checkpoint every ``--save-every`` steps and at the end of each ``--max-minutes`` slice.
"""
from __future__ import annotations

import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from review.training import command_parser
from review.typo.cloze import CLOZE_FILE, PAD, UNK

ROOT = Path(__file__).resolve().parents[2]


def build_corpus(data: Path, confusion, progress: bool = True):
    """(chars, ids, neighbours): the vocabulary string (ids from 2), the corpus as one id array (texts
    separated by PAD) and the (V, M) neighbour-id table (0 = none)."""
    from tqdm import tqdm

    from review.training.corpora import clean_texts

    texts = [t.replace("\r", "") for t in tqdm(clean_texts(data), desc="reading", unit="text", disable=not progress)]
    freq = Counter()
    for t in texts:
        freq.update(t)
    freq.pop("\n", None)
    for ch in confusion.table:
        freq.setdefault(ch, 0)
        for n in confusion.candidates(ch):
            freq.setdefault(n, 0)
    chars = "".join(sorted(freq, key=lambda c: (-freq[c], c)))
    dense = np.full(max(map(ord, chars)) + 2, UNK, dtype=np.int32)
    dense[np.array([ord(c) for c in chars])] = np.arange(len(chars), dtype=np.int32) + 2
    dense[ord("\n")] = PAD
    joined = "\0".join(texts) + "\0"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    ids = np.where(codes == 0, PAD, np.take(dense, codes, mode="clip")).astype(np.int32)
    return chars, ids, freq


def neighbour_table(chars: str, freq: Counter, confusion, limit: int) -> np.ndarray:
    """(V, limit) ids of each character's most frequent confusion-set neighbours, 0-padded."""
    index = {c: i + 2 for i, c in enumerate(chars)}
    table = np.zeros((len(chars) + 2, limit), dtype=np.int64)
    for c, i in index.items():
        near = sorted((n for n in confusion.candidates(c) if n in index and n != c), key=lambda n: (-freq[n], n))
        near = near[:limit]
        table[i, : len(near)] = [index[n] for n in near]
    return table


def make_model(vocab: int, width: int, dim: int, hidden: int, out_dim: int):
    """The torch module whose arrays `export` writes."""
    import torch
    from torch import nn

    class Cloze(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(vocab, dim, padding_idx=PAD)
            self.l1 = nn.Linear(2 * width * dim, hidden)
            self.l2 = nn.Linear(hidden, out_dim)
            self.out = nn.Embedding(vocab, out_dim)
            self.out_bias = nn.Embedding(vocab, 1)
            nn.init.normal_(self.out.weight, std=0.05)
            nn.init.zeros_(self.out_bias.weight)

        def forward(self, windows, cands):
            x = self.embed(windows).flatten(1)
            q = self.l2(torch.relu(self.l1(x)))
            return (self.out(cands) * q[:, None, :]).sum(-1) + self.out_bias(cands)[..., 0]

    return Cloze()


def windows_torch(ids, at, width: int, noise, table, counts, gen):
    """Context windows as `review.typo.cloze.window_ids` builds them, with `noise` of the characters swapped
    for a confusion-set neighbour of theirs."""
    import torch

    offsets = torch.cat([-torch.arange(1, width + 1), torch.arange(1, width + 1)])
    w = ids[at[:, None] + offsets[None, :]]
    if noise > 0:
        swap = (torch.rand(w.shape, generator=gen) < noise) & (counts[w] > 0)
        pick = (torch.rand(w.shape, generator=gen) * counts[w].clamp(min=1)).long()
        w = torch.where(swap, table[w, pick], w)
    left, right = w[:, :width], w[:, width:]
    left = left * torch.cumprod((left != PAD).long(), 1)
    right = right * torch.cumprod((right != PAD).long(), 1)
    return torch.cat([left, right], 1)


def export(model, chars: str, args, meta: dict, out: Path) -> None:
    """Write the arrays (float16) and meta to out/cloze.npz."""
    sd = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    arrays = dict(embed=sd["embed.weight"], w1=sd["l1.weight"].T.copy(), b1=sd["l1.bias"],
                  w2=sd["l2.weight"].T.copy(), b2=sd["l2.bias"], out=sd["out.weight"],
                  out_bias=sd["out_bias.weight"][:, 0])
    out.mkdir(parents=True, exist_ok=True)
    meta = dict(meta, chars=chars, width=args.width)
    np.savez_compressed(out / CLOZE_FILE, **{k: v.astype(np.float16) for k, v in arrays.items()},
                        meta=np.array(json.dumps(meta, ensure_ascii=False)))


def init_from_export(model, folder: Path, chars: str) -> None:
    """Load an exported cloze.npz's arrays into `model` (the inverse of `export`)."""
    import torch

    with np.load(folder / CLOZE_FILE, allow_pickle=False) as d:
        arrays = {k: d[k].astype(np.float32) for k in d.files if k != "meta"}
        meta = json.loads(str(d["meta"]))
    if meta["chars"] != chars:
        raise ValueError(f"{folder}: its vocabulary is not this corpus's")
    state = {"embed.weight": arrays["embed"], "l1.weight": arrays["w1"].T, "l1.bias": arrays["b1"],
             "l2.weight": arrays["w2"].T, "l2.bias": arrays["b2"], "out.weight": arrays["out"],
             "out_bias.weight": arrays["out_bias"][:, None]}
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})


def init_meta(folder: Path) -> dict:
    """What the starting model was: its steps, seconds and config, from its meta."""
    with np.load(folder / CLOZE_FILE, allow_pickle=False) as d:
        meta = json.loads(str(d["meta"]))
    return {k: meta.get(k) for k in ("steps", "seconds", "config", "held_out_accuracy", "init")}


def held_out_options(model, text: str, table: np.ndarray, count: int = 20000, seed: int = 0):
    """Positions of `text` to test the model on: (code points, ids, sorted positions, options, the model's
    choice is right). `count` random characters that have neighbours; options[k] is the text's own id, then its
    training neighbours (0-padded)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    ids = model.ids(codes)
    usable = np.flatnonzero((table[ids] > 0).any(1))
    at = np.sort(np.random.default_rng(seed).choice(usable, size=min(count, len(usable)), replace=False))
    options = np.concatenate([ids[at][:, None], table[ids[at]]], 1)
    rows = np.repeat(np.arange(len(at)), options.shape[1])
    scores = model.scores(model.hidden(ids, at), rows, options.ravel()).reshape(options.shape)
    scores[options == PAD] = -np.inf
    return codes, ids, at, options, scores.argmax(1) == 0


def held_out_accuracy(folder: Path, data: Path, table: np.ndarray, chars: str, count: int = 20000) -> float:
    """Share of `count` random positions of held-out news (dated from 2026-06, never trained on) where the
    exported model ranks the text's own character first among it and its training neighbours."""
    from review.training.corpora import held_out_texts
    from review.typo.cloze import load_cloze

    model = load_cloze(folder)
    if model.chars != chars:  # the training table's ids must be the model's ids
        raise ValueError("vocabulary mismatch")
    right = held_out_options(model, "\n".join(held_out_texts(data)), table, count)[-1]
    return float(right.mean()) if len(right) else float("nan")


def main(argv=None) -> int:
    ap = command_parser("review train cloze", "训练字符完形填空模型 / " + __doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/data", help="共享数据目录 / the shared data folder")
    ap.add_argument("--ckpt", default="/tmp/cloze_ckpt", help="检查点目录 / checkpoint folder (resumed from when present)")
    ap.add_argument("--out", default=str(ROOT / "models" / "cloze"), help="导出目录 / export folder")
    ap.add_argument("--confusion", default=str(ROOT / "lexicons" / "confusion" / "confusion.tsv"),
                    help="易混字表 / the confusion set TSV")
    ap.add_argument("--width", type=int, default=5, help="每侧上下文字数 / context characters each side")
    ap.add_argument("--dim", type=int, default=64, help="字向量维数 / character embedding size")
    ap.add_argument("--hidden", type=int, default=512, help="隐藏层宽度 / hidden layer width")
    ap.add_argument("--out-dim", type=int, default=128, help="输出向量维数 / output embedding size")
    ap.add_argument("--neighbours", type=int, default=48, help="每字的易混近邻数 / confusable neighbours per character")
    ap.add_argument("--noise", type=float, default=0.05, help="上下文字替换为近邻的比例 / share of context characters swapped for "
                                                              "a neighbour")
    ap.add_argument("--batch", type=int, default=2048, help="每批样本数 / examples per batch")
    ap.add_argument("--steps", type=int, default=16000, help="训练步数 / training steps")
    ap.add_argument("--lr", type=float, default=2e-3, help="学习率 / learning rate")
    ap.add_argument("--threads", type=int, default=2, help="torch 线程数 / torch threads")
    ap.add_argument("--max-minutes", type=float, default=0.0,
                    help="训练时长上限（分钟） / stop (with a checkpoint) after this long; 0: no limit")
    ap.add_argument("--save-every", type=int, default=1000, help="每隔多少步保存检查点 / steps between checkpoints")
    ap.add_argument("--export", action="store_true", help="只从最后的检查点导出 / only write --out from the last checkpoint")
    ap.add_argument("--device", default="cpu", help="设备，如 cpu、cuda / device, e.g. cpu or cuda")
    ap.add_argument("--init", default="", help="从已导出模型的权重开始（热重启） / start from the weights of an exported model folder "
                                               "(a fresh "
                    "optimiser and schedule: a warm restart; it must have this corpus's vocabulary and config)")
    args = ap.parse_args(argv)

    import torch

    from review.typo.confusion import ConfusionSet

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    ckpt_dir = Path(args.ckpt)
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    corpus_file = ckpt_dir / "corpus.npz"
    confusion = ConfusionSet.load(args.confusion)
    if corpus_file.exists():
        with np.load(corpus_file, allow_pickle=False) as d:
            chars, ids, freq_items = str(d["chars"]), d["ids"], json.loads(str(d["freq"]))
        freq = Counter(freq_items)
    else:
        chars, ids, freq = build_corpus(Path(args.data), confusion)
        np.savez(corpus_file, chars=np.array(chars), ids=ids, freq=np.array(json.dumps(freq, ensure_ascii=False)))
    table = neighbour_table(chars, freq, confusion, args.neighbours)
    counts = (table > 0).sum(1)
    vocab = len(chars) + 2
    width = args.width
    positions = np.flatnonzero(counts[ids] > 0)
    positions = positions[(positions >= width) & (positions < len(ids) - width)]
    print(f"vocabulary {vocab}, corpus {len(ids)} characters, {len(positions)} trainable positions", file=sys.stderr)

    model = make_model(vocab, width, args.dim, args.hidden, args.out_dim).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    step, seconds = 0, 0.0
    last = ckpt_dir / "last.pt"
    if last.exists():
        # weights_only: a checkpoint is tensors and plain values (model, optimizer, step, seconds), never code
        state = torch.load(last, map_location=args.device, weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step, seconds = state["step"], state["seconds"]
        print(f"resumed at step {step}", file=sys.stderr)
    elif args.init:
        init_from_export(model, Path(args.init), chars)
        print(f"initialised from {args.init}", file=sys.stderr)
    meta = dict(steps=step, seconds=round(seconds, 1), data="clean_texts (see review/training/cloze.py)",
                init=init_meta(Path(args.init)) if args.init else None,
                config={k: getattr(args, k) for k in ("width", "dim", "hidden", "out_dim", "neighbours", "noise",
                                                      "batch", "steps", "lr")})
    def finish() -> None:
        export(model, chars, args, meta, Path(args.out))
        if (Path(args.data) / "formal-xinwenlianbo").exists():
            meta["held_out_accuracy"] = round(held_out_accuracy(Path(args.out), Path(args.data), table, chars), 4)
            export(model, chars, args, meta, Path(args.out))
        print(f"exported step {step} to {args.out}: {json.dumps({k: v for k, v in meta.items()}, ensure_ascii=False)}",
              file=sys.stderr)

    if args.export:
        finish()
        return 0

    ids_t = torch.from_numpy(ids.astype(np.int64)).to(args.device)
    table_t = torch.from_numpy(table).to(args.device)
    counts_t = torch.from_numpy(counts).to(args.device)
    pos_t = torch.from_numpy(positions).to(args.device)
    gen = torch.Generator().manual_seed(1000 + step)

    def save() -> None:
        torch.save(dict(model=model.state_dict(), opt=opt.state_dict(), step=step, seconds=seconds), last)

    began = time.time()
    run_loss, run_acc, seen = 0.0, 0.0, 0
    model.train()
    while step < args.steps:
        t = time.time()
        lr = args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(step, args.steps) / args.steps)))
        if step < 300:
            lr = args.lr * (step + 1) / 300
        for g in opt.param_groups:
            g["lr"] = lr
        at = pos_t[torch.randint(len(pos_t), (args.batch,), generator=gen)]
        target = ids_t[at]
        windows = windows_torch(ids_t, at, width, args.noise, table_t, counts_t, gen)
        cands = torch.cat([target[:, None], table_t[target]], 1)
        logits = model(windows, cands).masked_fill(cands == PAD, -1e4)
        loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(at), dtype=torch.long))
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        seconds += time.time() - t
        run_loss += float(loss.detach())
        run_acc += float((logits.argmax(1) == 0).float().mean())
        seen += 1
        if step % 200 == 0:
            print(f"step {step} loss {run_loss / seen:.4f} acc {run_acc / seen:.4f} lr {lr:.2e} "
                  f"{seconds / step:.3f}s/step", file=sys.stderr, flush=True)
            run_loss, run_acc, seen = 0.0, 0.0, 0
        if step % args.save_every == 0:
            save()
        if args.max_minutes and time.time() - began > args.max_minutes * 60:
            break
    save()
    meta.update(steps=step, seconds=round(seconds, 1))
    if step >= args.steps:
        finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
