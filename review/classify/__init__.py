"""Linear text classifiers of the off-topic and entertainment checks: features, signal lexicons, safe model I/O,
training and evaluation. Models are plain arrays (.npz) plus JSON settings, never pickles."""
