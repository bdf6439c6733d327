"""The loader and Corrector with a tiny random HF-format model built here (as a user's own checkpoint would be)."""
from __future__ import annotations

import numpy as np
import torch
from transformers import BertConfig, BertForMaskedLM

from review.typo.checkpoint import SPECIAL_TOKENS, CharVocab, build_model, load_model, save_model
from review.typo.confusion import ConfusionSet
from review.typo.transformer import Corrector

torch.set_num_threads(1)

CHARS = list("再接励厉一如既即往我们要在作做的地得中国人民123abcABC，。")


def make_user_checkpoint(path, bias_char="厉"):
    """A BERT-style HF dir: config.json + model.safetensors + a BERT-like vocab.txt (with a ## piece)."""
    tokens = list(SPECIAL_TOKENS) + ["##的", "[unused1]"] + CHARS
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=len(tokens), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=40)
    model = BertForMaskedLM(cfg)
    with torch.no_grad():
        model.cls.predictions.bias[tokens.index(bias_char)] = 50.0  # the model always predicts bias_char
    model.save_pretrained(str(path))
    (path / "vocab.txt").write_text("\n".join(tokens) + "\n", encoding="utf-8")
    return tokens


def confusion():
    cs = ConfusionSet()
    for a, b in ("励厉", "厉励", "即既", "既即", "在再", "再在"):
        cs.add(a, b, "same_tone")
    return cs


def test_load_user_checkpoint_and_correct(tmp_path):
    make_user_checkpoint(tmp_path)
    model, vocab, meta = load_model(tmp_path)
    assert meta == {} and vocab.id("厉") == vocab.stoi["厉"] and vocab.id("龘") == vocab.unk_id
    corr = Corrector(tmp_path, confusion=confusion(), threshold=0.5)
    out = corr.correct(["我们要再接再励。", "123abc，。", "", "中国人民"])
    assert len(out) == 4
    (edit,) = out[0]
    idx, src, tgt, prob = edit.index, edit.source, edit.suggestion, edit.probability
    assert (idx, src, tgt) == (6, "励", "厉") and 0.5 <= prob <= 1.0
    assert isinstance(idx, int) and isinstance(prob, float)
    assert out[1] == [] and out[2] == [] and out[3] == []   # digits/Latin/punct never; 厉 not a candidate
    # protected spans are never touched
    assert corr.correct(["我们要再接再励。"], protected=[[(4, 8)]]) == [[]]
    # a threshold above the probability suppresses the suggestion
    assert corr.correct(["再接再励"], threshold=1.01) == [[]]
    text, edits = corr.correct_text("再接再励")
    assert text == "再接再厉" and len(edits) == 1


def test_long_sentence_windows(tmp_path):
    make_user_checkpoint(tmp_path)
    corr = Corrector(tmp_path, confusion=confusion(), threshold=0.5, batch_size=4)
    s = "我们要在接再励。" * 20  # 160 chars > 38-char window
    (edits,) = corr.correct([s])
    assert [e.index for e in edits] == [i for i, c in enumerate(s) if c == "励"]


def test_save_load_roundtrip_fp16(tmp_path):
    vocab = CharVocab(list(SPECIAL_TOKENS) + CHARS)
    model = build_model(len(vocab), "tiny").eval()
    save_model(model, vocab, tmp_path, fp16=True, extra={"threshold": 0.7})
    assert (tmp_path / "model.safetensors").exists() and (tmp_path / "config.json").exists()
    back, v2, meta = load_model(tmp_path)
    assert v2.itos == vocab.itos and meta["threshold"] == 0.7
    assert next(back.parameters()).dtype == torch.float32
    ids = torch.tensor([vocab.encode("我们要再接再励")])
    with torch.no_grad():
        a = model(input_ids=ids).logits
        b = back(input_ids=ids).logits
    assert torch.allclose(a, b, atol=5e-2)
    corr = Corrector(tmp_path, confusion=confusion())
    assert corr.threshold == 0.7


def test_numpy_backend_matches_transformers(tmp_path):
    """The NumPy forward pass gives the logits of BertForMaskedLM, and the same corrections, without torch."""
    import numpy as np

    from review.typo.numpy_bert import NumpyBertMLM

    tokens = make_user_checkpoint(tmp_path, bias_char="既")
    reference, vocab, _ = load_model(tmp_path)
    ids = np.array([vocab.encode("我们要再接再励。"), vocab.encode("一如即往中国") + [0, 0]], dtype=np.int64)
    att = (ids != 0).astype(np.int64)
    expected = reference(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(att)).logits.detach().numpy()
    got = NumpyBertMLM(tmp_path).logits(ids, att)
    assert got.shape == expected.shape == (2, ids.shape[1], len(tokens))
    assert np.abs(got - expected)[att.astype(bool)].max() < 1e-4
    torch_corr = Corrector(tmp_path, confusion=confusion(), threshold=0.5, quantize=False)
    numpy_corr = Corrector(tmp_path, confusion=confusion(), threshold=0.5, backend="numpy")
    sentences = ["一如即往。", "我们要再接再励。", "123abc"]
    assert [[(e.index, e.source, e.suggestion) for e in s] for s in numpy_corr.correct(sentences)] == [
        [(e.index, e.source, e.suggestion) for e in s] for s in torch_corr.correct(sentences)
    ] == [[(2, "即", "既")], [], []]


def test_char_logprobs_are_normalised_and_cover_long_sentences(tmp_path):
    make_user_checkpoint(tmp_path)
    corr = Corrector(str(tmp_path), confusion=confusion(), threshold=0.5, quantize=False)
    long_text = "我们要再接再励" * 10  # longer than the tiny model's 38-character window
    short, long_ = corr.char_logprobs(["再接再励", long_text])
    assert short.shape == (4, len(corr.vocab)) and long_.shape == (len(long_text), len(corr.vocab))
    assert np.allclose(np.exp(long_).sum(1), 1.0, atol=1e-4)
    # the biased model puts almost all mass on 厉 at every position, in both windows
    assert (long_.argmax(1) == corr.vocab.stoi["厉"]).all()


def test_review_eval_csc_command(tmp_path, capsys):
    import json

    from review.cli import main

    model_dir = tmp_path / "model"
    model_dir.mkdir()
    make_user_checkpoint(model_dir)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("我们要再接再励\t我们要再接再厉\n我们要再接再厉\t我们要再接再厉\n", encoding="utf-8")
    confusion_file = tmp_path / "confusion.tsv"
    confusion().save(confusion_file)
    code = main(["eval", "csc", str(pairs), "--model", str(model_dir), "--confusion", str(confusion_file),
                 "--threshold", "0.5", "--json"])
    assert code == 0
    row = json.loads(capsys.readouterr().out.strip().splitlines()[0])
    # the model always says 厉: it mends the first sentence and leaves the second (already 厉) alone
    assert row["set"] == "pairs.tsv" and row["n"] == 2 and row["cor_p"] == 1.0 and row["cor_r"] == 1.0
    assert row["fpr"] == 0.0
