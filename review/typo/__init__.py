"""The typo model's runtime (错别字): everything a review needs to propose and decide corrections.

- `model_pass`: the typo check's model path (batches, bounds, protection of names and terms);
- `candidates`: confusion-set candidates scored by the character n-gram model (`ngram`) and described by features;
- `rerank`, `words`, `groups`, `trees`: the deciders (tree ensembles as plain arrays);
- `cloze`, `transformer`, `numpy_bert`, `checkpoint`: the neural parts (NumPy inference, a torch backend);
- `confusion`, `term_variants`: the data files they read.

Nothing here imports `review.training` or the CLI; training (`review.training`) imports this package.
"""
