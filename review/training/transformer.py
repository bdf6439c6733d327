"""Train the CSC model from scratch, resumably, in slices.

Stage 1 (``mlm``): masked-LM pretraining on the clean formal text (plus the targets of the training pairs); the
  masked positions are replaced by [MASK] (40%), a confusion-set neighbour (40%), a random character (10%) or kept
  (10%), so pretraining already looks like spelling correction.
Stage 2 (``correct``): per-position correction on a mix of synthetic pairs (clean text corrupted through the
  confusion sets) and real training pairs (SIGHAN, ECSpell incl. odw-train, pycorrector SIGHAN15, CCTC, People's
  Daily synthetic), ``--synthetic-ratio`` synthetic.

Checkpoints (``--ckpt``, outside git) every ``--save-minutes``; a run stops after ``--max-minutes`` and the next
run resumes from ``last.pt``. Nothing in the checkpoint folder is unpickled: the prepared data is ``prep.json`` and
the checkpoints hold only tensors and plain containers, loaded with ``torch.load(weights_only=True)``; a folder
from before (``prep.pkl``) is refused with a message to train again. The model with the best correction F1 on the
odw dev split is kept as ``best.pt`` and exported (fp16 safetensors, HF format) to ``--out`` when the schedule is
done or with ``--export``.

    python -m review.training.transformer --data ../shared/data --out models/csc --ckpt /tmp/csc_ckpt --max-minutes 9
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pickle  # only for the exception type a refused checkpoint raises: nothing is ever unpickled
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import List, Optional

import torch
import torch.nn.functional as F

from review.chars import is_han
from review.training import command_parser
from review.training import csc_data as D
from review.typo.checkpoint import CharVocab, build_model, save_model
from review.typo.confusion import ConfusionSet

PRESETS = {
    "cpu-small": dict(model="cpu-small", tokens_per_batch=3072, mlm_steps=1800, correct_steps=3000,
                      lr_mlm=6e-4, lr_correct=3e-4, max_len=126),
    "gpu-large": dict(model="gpu-large", tokens_per_batch=16384, mlm_steps=20000, correct_steps=20000,
                      lr_mlm=5e-4, lr_correct=2e-4, max_len=126),
    "tiny": dict(model="tiny", tokens_per_batch=256, mlm_steps=3, correct_steps=3, lr_mlm=1e-3, lr_correct=1e-3,
                 max_len=62),
}


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


# ---- data preparation (cached in the checkpoint dir) ----------------------------------------------------

PREP_FILE = "prep.json"
OLD_PREP_FILE = "prep.pkl"  # written by earlier versions: never read (unpickling a file can run any code)
PREP_LISTS = ("vocab", "clean", "mlm_extra", "pairs", "dev")


class CheckpointError(RuntimeError):
    """A checkpoint folder this version does not read (an old pickle, a damaged file)."""


def _retrain_hint(folder: Path) -> str:
    return f"delete {folder} (or pass another --ckpt) and train again"


def load_prep(folder: Path) -> Optional[dict]:
    """The prepared data cached in `folder` (JSON), None when there is none; an old prep.pkl is refused."""
    cache = folder / PREP_FILE
    if not cache.exists():
        if (folder / OLD_PREP_FILE).exists():
            raise CheckpointError(f"{folder / OLD_PREP_FILE} is an old pickled data cache, which is not read "
                                  f"(unpickling can run code): {_retrain_hint(folder)}")
        return None
    try:
        with open(cache, encoding="utf-8", errors="surrogatepass") as f:
            prep = json.load(f)
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{cache} cannot be read ({error}): {_retrain_hint(folder)}") from error
    if not (isinstance(prep, dict) and all(isinstance(prep.get(k), list) for k in PREP_LISTS)):
        raise CheckpointError(f"{cache} is not a prepared-data file: {_retrain_hint(folder)}")
    return prep


def save_prep(folder: Path, prep: dict) -> None:
    """Write the prepared data as JSON (pairs become lists), atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (PREP_FILE + ".tmp")
    # surrogatepass: a lone surrogate a corpus' JSON escape produced is kept as it is, not a write error
    with open(tmp, "w", encoding="utf-8", errors="surrogatepass") as f:
        json.dump(prep, f, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp, folder / PREP_FILE)


def prepare(args) -> dict:
    """The training data (vocabulary, clean text, pairs, dev split), built once and cached in --ckpt."""
    cached = load_prep(Path(args.ckpt))
    if cached is not None:
        return cached
    log("preparing data ...")
    pairs = D.load_train_pairs(args.data)
    clean = list(D.iter_clean_text(args.data, max_len=args.max_len))
    if args.clean_limit:
        random.Random(1).shuffle(clean)
        clean = clean[: args.clean_limit]
    pair_tgts = sorted({p.tgt for p in pairs if len(p.tgt) <= args.max_len})
    counts: Counter = Counter()
    for s in clean:
        counts.update(s)
    for p in pairs:
        counts.update(p.src)
        counts.update(p.tgt)
    conf = ConfusionSet.load(args.confusion)
    always = sorted(c for c in conf.table)  # every confusion character is in the vocabulary
    vocab = CharVocab.build(counts, min_count=args.vocab_min_count, max_size=args.vocab_max, always=always)
    _, dev = D.odw_split(args.data)
    # lists, not tuples, so the run that builds the data trains on exactly what a resumed run reads back
    prep = dict(vocab=vocab.itos, clean=clean, mlm_extra=pair_tgts,
                pairs=[[p.src, p.tgt, p.origin] for p in pairs if len(p.src) <= args.max_len],
                dev=[[p.src, p.tgt] for p in dev])
    save_prep(Path(args.ckpt), prep)
    log(f"prepared: vocab {len(vocab)}, clean {len(clean)} sentences, pairs {len(prep['pairs'])}, dev {len(dev)}")
    return prep


def load_checkpoint(path: Path) -> dict:
    """A checkpoint written by `_save`, loaded with weights_only=True: tensors and plain containers, no code."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:  # an object weights_only refuses: not written by this version
        raise CheckpointError(f"{path} holds objects other than tensors and plain values, which are not loaded "
                              f"({str(error).splitlines()[0]}): {_retrain_hint(path.parent)}") from error
    if not (isinstance(state, dict) and "model" in state and "step" in state):
        raise CheckpointError(f"{path} is not a training checkpoint: {_retrain_hint(path.parent)}")
    return state


def _batches_by_tokens(sents: List, tokens_per_batch: int, length=len):
    sents = sorted(sents, key=length)
    batch, maxlen = [], 0
    for s in sents:
        L = length(s) + 2
        if batch and max(maxlen, L) * (len(batch) + 1) > tokens_per_batch:
            yield batch
            batch, maxlen = [], 0
        batch.append(s)
        maxlen = max(maxlen, L)
    if batch:
        yield batch


class Batcher:
    def __init__(self, prep: dict, vocab: CharVocab, conf: ConfusionSet, args, seed: int):
        self.vocab = vocab
        self.rng = random.Random(seed)
        self.args = args
        self.clean = prep["clean"]
        self.mlm_text = prep["clean"] + prep["mlm_extra"]
        pairs = prep["pairs"]
        real = []
        for src, tgt, origin in pairs:
            real.extend([(src, tgt)] * (args.odw_oversample if origin == "odw" else 1))
        self.real = real
        vocab_set = set(c for c in vocab.itos)
        self.injector = D.ErrorInjector(conf, vocab=vocab_set, seed=seed)
        self.conf = conf
        self._conf_ids = {}
        self.queue: List = []

    def _conf_cands(self, ch: str) -> List[int]:
        v = self._conf_ids.get(ch)
        if v is None:
            v = [self.vocab.stoi[c] for c in sorted(self.conf.candidates(ch)) if c in self.vocab]
            self._conf_ids[ch] = v
        return v

    def _draw(self, population: List, n: int) -> List:
        if not population:
            return []
        if len(population) >= n:
            return self.rng.sample(population, n)
        return self.rng.choices(population, k=n)

    def _fill(self, stage: str) -> None:
        n = self.args.pool
        if stage == "mlm":
            items = [(s, s) for s in self._draw(self.mlm_text, n)]
        else:
            n_syn = int(n * self.args.synthetic_ratio)
            items = [(self.injector.corrupt(s), s) for s in self._draw(self.clean, n_syn)]
            items += [self.rng.choice(self.real) for _ in range(n - n_syn)]
        batches = list(_batches_by_tokens(items, self.args.tokens_per_batch, length=lambda x: len(x[0])))
        self.rng.shuffle(batches)
        self.queue = batches

    def next(self, stage: str):
        if not self.queue:
            self._fill(stage)
        items = self.queue.pop()
        v = self.vocab
        T = max(len(s) for s, _ in items) + 2
        B = len(items)
        ids = torch.full((B, T), v.pad_id, dtype=torch.long)
        labels = torch.full((B, T), -100, dtype=torch.long)
        att = torch.zeros((B, T), dtype=torch.long)
        for r, (src, tgt) in enumerate(items):
            e = v.encode(src)
            t = v.encode(tgt)
            ids[r, : len(e)] = torch.tensor(e)
            att[r, : len(e)] = 1
            if stage == "mlm":
                chars = list(tgt)
                for j, ch in enumerate(chars):
                    if not is_han(ch) or self.rng.random() >= self.args.mask_prob:
                        continue
                    labels[r, j + 1] = t[j + 1]
                    u = self.rng.random()
                    if u < 0.4:
                        ids[r, j + 1] = v.mask_id
                    elif u < 0.8:
                        cands = self._conf_cands(ch)
                        ids[r, j + 1] = self.rng.choice(cands) if cands else v.mask_id
                    elif u < 0.9:
                        ids[r, j + 1] = self.rng.randrange(5, len(v))
            else:
                lab = torch.tensor(t[1:-1])
                src_t = torch.tensor(e[1:-1])
                keep = torch.rand(len(lab)) < self.args.copy_keep
                sel = keep | (lab != src_t)
                lab = torch.where(sel, lab, torch.full_like(lab, -100))
                labels[r, 1: 1 + len(lab)] = lab
        return ids, att, labels


def compute_loss(model, ids, att, labels):
    hidden = model.bert(input_ids=ids, attention_mask=att).last_hidden_state
    m = labels != -100
    if not bool(m.any()):
        return hidden.sum() * 0.0
    logits = model.cls(hidden[m])
    return F.cross_entropy(logits, labels[m])


def lr_at(step: int, stage_start: int, stage_steps: int, base: float, warmup: int) -> float:
    s = step - stage_start
    if s < warmup:
        return base * (s + 1) / warmup
    frac = min(1.0, (s - warmup) / max(1, stage_steps - warmup))
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))


# ---- dev evaluation ------------------------------------------------------------------------------------

def dev_score(model, vocab, conf, dev, thresholds=(0.3, 0.5, 0.7, 0.9)) -> dict:
    from review.training.csc_eval import sentence_metrics
    from review.typo.edits import apply_edits
    from review.typo.transformer import Corrector

    model.eval()
    corr = Corrector(model=model, vocab=vocab, confusion=conf, threshold=min(thresholds), batch_size=64)
    srcs = [s for s, _ in dev]
    tgts = [t for _, t in dev]
    edits = corr.correct(srcs)
    best = None
    for thr in thresholds:
        preds = [apply_edits(s, e, thr) for s, e in zip(srcs, edits)]
        m = sentence_metrics(srcs, tgts, preds)
        m["threshold"] = thr
        if best is None or m["cor_f1"] > best["cor_f1"]:
            best = m
    model.train()
    return best


# ---- main ----------------------------------------------------------------------------------------------

def build_argparser() -> argparse.ArgumentParser:
    ap = command_parser("review train csc", "训练纠错模型（可续训）/ Train the CSC model (resumable).")
    ap.add_argument("--data", default="../shared/data", help="共享数据目录 / the shared data directory")
    ap.add_argument("--out", default="models/csc", help="导出目录 / export directory (HF format, fp16 safetensors)")
    ap.add_argument("--ckpt", default="/tmp/csc_ckpt", help="检查点目录 / checkpoint directory (keep outside git)")
    ap.add_argument("--preset", default="cpu-small", choices=sorted(PRESETS),
                    help="模型与训练规模预设 / model and schedule preset")
    ap.add_argument("--confusion", default=None, help="易混字表 / confusion TSV (default lexicons/confusion/confusion.tsv)")
    ap.add_argument("--max-minutes", type=float, default=0,
                    help="训练时长上限（分钟） / stop (with a checkpoint) after this long; 0 = no limit")
    ap.add_argument("--save-minutes", type=float, default=5.0, help="每隔多少分钟保存检查点 / minutes between checkpoints")
    ap.add_argument("--eval-minutes", type=float, default=10.0, help="第二阶段评测间隔（分钟） / odw-dev evaluation interval in "
                                                                     "stage 2")
    ap.add_argument("--threads", type=int, default=1, help="torch 线程数 / torch threads (default 1)")
    ap.add_argument("--device", default="cpu", help="设备，如 cpu、cuda / device, e.g. cpu or cuda")
    ap.add_argument("--seed", type=int, default=42, help="随机种子 / random seed")
    ap.add_argument("--mlm-steps", type=int, default=None,
                    help="第一阶段（掩码语言模型）步数，默认取预设 / stage 1 (masked language model) steps; default: the preset's")
    ap.add_argument("--correct-steps", type=int, default=None,
                    help="第二阶段（纠错）步数，默认取预设 / stage 2 (correction) steps; default: the preset's")
    ap.add_argument("--tokens-per-batch", type=int, default=None,
                    help="每批字符数，默认取预设 / characters per batch; default: the preset's")
    ap.add_argument("--lr-mlm", type=float, default=None,
                    help="第一阶段学习率，默认取预设 / stage 1 learning rate; default: the preset's")
    ap.add_argument("--lr-correct", type=float, default=None,
                    help="第二阶段学习率，默认取预设 / stage 2 learning rate; default: the preset's")
    ap.add_argument("--max-len", type=int, default=None,
                    help="句子最大长度（字），默认取预设 / longest sentence in characters; default: the preset's")
    ap.add_argument("--warmup", type=int, default=200, help="学习率预热步数 / learning-rate warm-up steps")
    ap.add_argument("--mask-prob", type=float, default=0.15, help="第一阶段掩码比例 / stage 1: share of characters masked")
    ap.add_argument("--copy-keep", type=float, default=1.0,
                    help="第二阶段：计入损失的未改动位置比例 / stage 2: fraction of unchanged positions that carry loss (all changed "
                         "ones do)")
    ap.add_argument("--synthetic-ratio", type=float, default=0.6,
                    help="第二阶段合成错误句对的比例 / stage 2: share of synthetic error pairs among the training pairs")
    ap.add_argument("--odw-oversample", type=int, default=3,
                    help="公文错字训练句对的重复次数 / times the official-document (odw) training pairs are repeated")
    ap.add_argument("--pool", type=int, default=2048, help="每个分桶池抽取的句数 / sentences drawn per bucketing pool")
    ap.add_argument("--vocab-min-count", type=int, default=3,
                    help="字表收字的最少出现次数 / least count of a character to enter the vocabulary")
    ap.add_argument("--vocab-max", type=int, default=8000, help="字表最大字数 / most characters in the vocabulary")
    ap.add_argument("--clean-limit", type=int, default=0, help="最多使用的无错句数（测试用） / use at most this many clean sentences "
                                                               "(tests)")
    ap.add_argument("--export", action="store_true", help="只导出检查点后退出 / only export best.pt (or last.pt) to --out and "
                                                          "exit")
    ap.add_argument("--export-from", default="best", choices=("best", "last"),
                    help="导出哪个检查点 / checkpoint to export: best on odw-dev (default) or the last one")
    ap.add_argument("--no-fp16", action="store_true", help="导出 fp32 权重 / export fp32 weights")
    return ap


def _apply_preset(args) -> None:
    p = PRESETS[args.preset]
    for k in ("mlm_steps", "correct_steps", "tokens_per_batch", "lr_mlm", "lr_correct", "max_len"):
        if getattr(args, k) is None:
            setattr(args, k, p[k])
    args.model_config = p["model"]


def _save(path: Path, obj: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def export(args, vocab: CharVocab, prep: dict) -> Optional[Path]:
    ck = Path(args.ckpt)
    want = getattr(args, "export_from", "best")
    src = ck / "best.pt" if want == "best" and (ck / "best.pt").exists() else ck / "last.pt"
    if not src.exists():
        log(f"nothing to export in {ck}")
        return None
    state = load_checkpoint(src)
    model = build_model(len(vocab), state["model_config"])
    model.load_state_dict(state["model"])
    meta = dict(state.get("meta", {}))
    meta.update(step=state["step"], stage=state["stage"], source=src.name, preset=args.preset,
                threshold=(state.get("dev") or {}).get("threshold", 0.5), dev=state.get("dev"),
                train_seconds=state.get("train_seconds"))
    save_model(model, vocab, args.out, fp16=not args.no_fp16, extra=meta)
    log(f"exported {src} (step {state['step']}) -> {args.out}")
    return Path(args.out)


def train_main(argv=None) -> int:
    """`review train csc`: train (or resume, or export); an unreadable checkpoint folder is a message, exit 2."""
    try:
        return _train(argv)
    except CheckpointError as error:
        print(f"错误 / error: {error}", file=sys.stderr)
        return 2


def _train(argv=None) -> int:
    args = build_argparser().parse_args(argv)
    _apply_preset(args)
    torch.set_num_threads(max(1, args.threads))
    torch.manual_seed(args.seed)
    ck = Path(args.ckpt)
    ck.mkdir(parents=True, exist_ok=True)
    prep = prepare(args)
    vocab = CharVocab(prep["vocab"])
    if args.export:
        export(args, vocab, prep)
        return 0
    conf = ConfusionSet.load(args.confusion)

    model = build_model(len(vocab), args.model_config).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr_mlm, weight_decay=0.01)
    step, train_seconds, best_f1, best_dev = 0, 0.0, -1.0, None
    last = ck / "last.pt"
    if last.exists():
        st = load_checkpoint(last)
        model.load_state_dict(st["model"])
        if st.get("stage_opt") == ("mlm" if st["step"] < args.mlm_steps else "correct"):
            opt.load_state_dict(st["opt"])
        step, train_seconds = st["step"], st.get("train_seconds", 0.0)
        best_f1 = st.get("best_f1", -1.0)
        best_dev = st.get("best_dev")
        log(f"resumed from step {step} ({train_seconds / 60:.1f} min trained)")
    total = args.mlm_steps + args.correct_steps
    batcher = Batcher(prep, vocab, conf, args, seed=args.seed + step)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model {args.model_config}: {n_params / 1e6:.2f}M params, vocab {len(vocab)}, step {step}/{total}")

    stop = {"flag": False}

    def _sig(*_):
        stop["flag"] = True

    # Stop cleanly (checkpoint first) on SIGTERM/SIGINT; the previous handlers come back when training ends,
    # or a process that trained in-process (the tests) would ignore SIGTERM forever after, and a
    # multiprocessing pool forked from it could never be terminated.
    previous_handlers = {sig: signal.signal(sig, _sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def checkpoint(stage: str, dev: Optional[dict] = None, best: bool = False) -> None:
        obj = dict(model=model.state_dict(), opt=opt.state_dict(), stage_opt=stage, step=step, stage=stage,
                   train_seconds=train_seconds, best_f1=best_f1, best_dev=best_dev,
                   model_config=args.model_config, dev=dev)
        _save(last, obj)
        if stage == "mlm" and step == args.mlm_steps:
            _save(ck / "mlm_final.pt", obj)
        if best:
            obj = dict(obj)
            obj.pop("opt")
            _save(ck / "best.pt", obj)

    t_start = time.time()
    t_save = t_eval = time.time()
    loss_ema = None
    model.train()
    prev_stage = "mlm" if step < args.mlm_steps else "correct"
    while step < total and not stop["flag"]:
        stage = "mlm" if step < args.mlm_steps else "correct"
        if stage != prev_stage:  # fresh optimizer for stage 2
            opt = torch.optim.AdamW(model.parameters(), lr=args.lr_correct, weight_decay=0.01)
            prev_stage = stage
            log("stage 2: correction training")
        if stage == "mlm":
            lr = lr_at(step, 0, args.mlm_steps, args.lr_mlm, args.warmup)
        else:
            lr = lr_at(step, args.mlm_steps, args.correct_steps, args.lr_correct, args.warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        t0 = time.time()
        ids, att, labels = batcher.next(stage)
        loss = compute_loss(model, ids.to(args.device), att.to(args.device), labels.to(args.device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        train_seconds += time.time() - t0
        lv = float(loss.detach())
        loss_ema = lv if loss_ema is None else 0.98 * loss_ema + 0.02 * lv
        if step % 50 == 0 or step == total:
            log(f"step {step}/{total} {stage} loss {lv:.4f} ema {loss_ema:.4f} lr {lr:.2e} "
                f"tok {int(att.sum())} {(time.time() - t0) * 1000:.0f} ms/step")
        now = time.time()
        stage_done = step == args.mlm_steps or step == total
        if stage == "correct" and prep["dev"] and (now - t_eval > args.eval_minutes * 60 or step == total):
            dev = dev_score(model, vocab, conf, prep["dev"])
            t_eval = time.time()
            is_best = dev["cor_f1"] > best_f1
            if is_best:
                best_f1, best_dev = dev["cor_f1"], dev
            log(f"dev step {step}: cor P/R/F1 {dev['cor_p']:.3f}/{dev['cor_r']:.3f}/{dev['cor_f1']:.3f} "
                f"det F1 {dev['det_f1']:.3f} fpr {dev['fpr']:.3f} thr {dev['threshold']} {'*best*' if is_best else ''}")
            checkpoint(stage, dev=dev, best=is_best)
            t_save = time.time()
        elif now - t_save > args.save_minutes * 60 or stage_done:
            checkpoint(stage)
            t_save = time.time()
        if args.max_minutes and now - t_start > args.max_minutes * 60:
            break
    for sig, handler in previous_handlers.items():
        signal.signal(sig, handler)
    checkpoint("mlm" if step < args.mlm_steps else "correct")
    log(f"stopped at step {step}/{total} ({train_seconds / 60:.1f} min trained in total)")
    if step >= total and args.out:
        export(args, vocab, prep)
    return 0


def main(argv=None) -> int:
    return train_main(argv)


if __name__ == "__main__":
    sys.exit(main())
