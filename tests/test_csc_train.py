"""A training smoke run on tiny data: both stages, checkpoint, resume, export, load."""
from __future__ import annotations

import pytest
import torch
from test_csc_data import make_data_dir

from review.training.transformer import train_main
from review.typo.transformer import Corrector

torch.set_num_threads(1)


def test_train_smoke_and_resume(tmp_path):
    import signal

    before = signal.getsignal(signal.SIGTERM)
    data = make_data_dir(tmp_path / "data")
    ck, out = tmp_path / "ck", tmp_path / "out"
    common = ["--data", str(data), "--ckpt", str(ck), "--out", str(out), "--preset", "tiny", "--pool", "16",
              "--eval-minutes", "0"]
    assert train_main(common + ["--mlm-steps", "2", "--correct-steps", "1", "--max-minutes", "0.0001"]) == 0
    assert (ck / "last.pt").exists()
    st = torch.load(ck / "last.pt", weights_only=True)
    assert 1 <= st["step"] < 3
    assert train_main(common + ["--mlm-steps", "2", "--correct-steps", "2"]) == 0
    st = torch.load(ck / "last.pt", weights_only=True)
    assert st["step"] == 4 and st["stage"] == "correct"
    assert (out / "model.safetensors").exists() and (out / "vocab.txt").exists() and (out / "csc.json").exists()
    corr = Corrector(out)
    assert isinstance(corr.correct(["我们要再接再励。"]), list)
    assert signal.getsignal(signal.SIGTERM) is before  # training gives the signal handlers back


def test_checkpoint_folder_holds_no_pickle_and_resumes_exactly(tmp_path):
    """prep.json and weights_only checkpoints: optimizer state, step counters and dev scores survive a resume."""
    import json

    from review.training.transformer import load_checkpoint

    data = make_data_dir(tmp_path / "data")
    ck, out = tmp_path / "ck", tmp_path / "out"
    common = ["--data", str(data), "--ckpt", str(ck), "--out", str(out), "--preset", "tiny", "--pool", "16",
              "--eval-minutes", "0", "--mlm-steps", "1", "--correct-steps", "3"]
    assert train_main(common + ["--max-minutes", "0.0001"]) == 0  # stops after one step, at a checkpoint
    assert not (ck / "prep.pkl").exists()
    prep = json.loads((ck / "prep.json").read_text(encoding="utf-8"))
    assert {"vocab", "clean", "mlm_extra", "pairs", "dev"} <= set(prep) and prep["dev"]
    first = load_checkpoint(ck / "last.pt")
    assert first["step"] == 1 and first["opt"]["state"]  # the optimizer's moments are saved
    model_before = {k: v.clone() for k, v in first["model"].items()}
    assert train_main(common + ["--max-minutes", "0.0001"]) == 0
    second = load_checkpoint(ck / "last.pt")
    assert second["step"] == 2 and second["stage"] == "correct"
    assert second["best_dev"] is not None and isinstance(second["best_dev"]["cor_f1"], float)
    assert any(not torch.equal(model_before[k], v) for k, v in second["model"].items())  # it trained on
    best = load_checkpoint(ck / "best.pt")
    assert "opt" not in best and best["step"] == 2
    assert train_main(common) == 0
    final = load_checkpoint(ck / "last.pt")
    assert final["step"] == 4 and final["best_f1"] >= second["best_f1"]
    assert (out / "model.safetensors").exists()
    json.loads((out / "csc.json").read_text(encoding="utf-8"))


def test_old_pickled_prep_is_refused_never_unpickled(tmp_path, monkeypatch, capsys):
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("a pickle was read")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    ck = tmp_path / "ck"
    ck.mkdir()
    (ck / "prep.pkl").write_bytes(b"\x80\x04K\x01.")  # pickle.dumps(1)
    data = make_data_dir(tmp_path / "data")
    argv = ["--data", str(data), "--ckpt", str(ck), "--out", str(tmp_path / "out"), "--preset", "tiny"]
    assert train_main(argv) == 2
    err = capsys.readouterr().err
    assert "prep.pkl" in err and "train again" in err and "Traceback" not in err
    assert train_main(argv + ["--export"]) == 2


class _Planted:
    """An object whose unpickling would run code."""

    ran = False

    def __reduce__(self):
        return (_planted_code, ())


def _planted_code():
    _Planted.ran = True
    return {}


def test_checkpoint_with_objects_is_refused_never_run(tmp_path, capsys):
    from review.training.transformer import CheckpointError, load_checkpoint

    data = make_data_dir(tmp_path / "data")
    ck = tmp_path / "ck"
    argv = ["--data", str(data), "--ckpt", str(ck), "--out", str(tmp_path / "out"), "--preset", "tiny", "--pool",
            "16", "--mlm-steps", "1", "--correct-steps", "1", "--max-minutes", "0.0001"]
    assert train_main(argv) == 0
    state = load_checkpoint(ck / "last.pt")
    state["extra"] = _Planted()
    torch.save(state, ck / "last.pt")
    with pytest.raises(CheckpointError, match="train again"):
        load_checkpoint(ck / "last.pt")
    assert train_main(argv) == 2 and "last.pt" in capsys.readouterr().err
    assert not _Planted.ran
