"""Chinese spelling correction (错别字): confusion sets, a character-level BERT corrector trained from scratch."""
