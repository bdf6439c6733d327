"""`review serve`: the HTTP service (FastAPI under uvicorn)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `serve` sub-command."""
    parser = sub.add_parser("serve", help="启动 HTTP 服务 / run the HTTP service")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start uvicorn with the service app."""
    import uvicorn

    uvicorn.run("service.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers)
    return 0
