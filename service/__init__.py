"""HTTP service: a thin FastAPI layer over the `review` library."""
