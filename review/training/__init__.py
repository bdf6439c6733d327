"""Training and evaluation: corpora and splits (`corpora`), the trainers of every shipped model, the builders of
the confusion set and term variants, and the evaluations behind `review eval`.

Training imports the runtime (`review.typo`, `review.classify`); the runtime never imports training, and neither
imports the CLI (import-linter contracts in pyproject.toml keep it so).
"""
