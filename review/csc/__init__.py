"""Chinese spelling correction (错别字): confusion sets, a character-level BERT corrector trained from scratch."""


def train_main(argv=None) -> int:
    """``review train csc ...``: see ``review.csc.train``."""
    from .train import train_main as _main

    return _main(argv)


def eval_main(argv=None) -> int:
    """``review eval csc ...``: see ``review.csc.evaluate``."""
    from .evaluate import eval_main as _main

    return _main(argv)
