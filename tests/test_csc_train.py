"""A training smoke run on tiny data: both stages, checkpoint, resume, export, load."""
from __future__ import annotations

import torch

from review.csc.infer import Corrector
from review.csc.train import train_main

from test_csc_data import make_data_dir

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
    st = torch.load(ck / "last.pt", weights_only=False)
    assert 1 <= st["step"] < 3
    assert train_main(common + ["--mlm-steps", "2", "--correct-steps", "2"]) == 0
    st = torch.load(ck / "last.pt", weights_only=False)
    assert st["step"] == 4 and st["stage"] == "correct"
    assert (out / "model.safetensors").exists() and (out / "vocab.txt").exists() and (out / "csc.json").exists()
    corr = Corrector(out)
    assert isinstance(corr.correct(["我们要再接再励。"]), list)
    assert signal.getsignal(signal.SIGTERM) is before  # training gives the signal handlers back
