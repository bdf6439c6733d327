"""Inspection mode: a feed of posts from many accounts in, the notices' problem lists out.

`inspect_feed` reviews every post with the normal pipeline, runs the account checks of
`review.inspect.checks` (their thresholds in lexicons/inspection.toml) and writes the outputs.
"""

from __future__ import annotations

from review.inspect.feed import Feed, FeedPost, Problem, read_feed
from review.inspect.run import Inspection, inspect_feed, local_backend

__all__ = ["Feed", "FeedPost", "Inspection", "Problem", "inspect_feed", "local_backend", "read_feed"]
