"""`review serve`: the HTTP service (FastAPI under uvicorn)."""

from __future__ import annotations

import argparse
import os

from service.config import DEFAULT_DB_PATH, ServiceConfig


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `serve` sub-command."""
    parser = sub.add_parser(
        "serve",
        help="启动 HTTP 服务 / run the HTTP service",
        description="HTTP 接口（/v1/review、/v2/check、/docs）和编辑页（/）；账号设置接口需要环境变量 REVIEW_API_KEY 中的"
        "密钥。 / HTTP API (/v1/review, /v2/check, /docs) and the editor page (/). "
        "The account-settings endpoints need the API key in the environment variable REVIEW_API_KEY.",
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="监听地址（默认仅本机 127.0.0.1）/ address to listen on (default 127.0.0.1, this machine)")
    parser.add_argument("--port", type=int, default=8000, help="端口（默认 8000）/ port (default 8000)")
    parser.add_argument("--workers", type=int, default=1,
                        help="uvicorn 工作进程数（每个都加载模型）/ uvicorn worker processes (each loads the models)")
    parser.add_argument(
        "--db",
        default=os.environ.get("REVIEW_DB", DEFAULT_DB_PATH),
        help=f"账号设置的 SQLite 文件，首次启动时创建 / SQLite file of per-account settings, created on first start "
        f"(default {DEFAULT_DB_PATH})",
    )
    parser.add_argument("--max-batch", type=int, default=ServiceConfig.max_batch,
                        help="每个批量请求最多稿件数 / most posts per batch request")
    parser.add_argument("--max-body-bytes", type=int, default=ServiceConfig.max_body_bytes,
                        help="请求体字节上限，超出返回 413 / larger request bodies get 413")
    parser.add_argument("--threads", type=int, default=ServiceConfig.review_threads,
                        help="每个进程审校稿件的线程数（默认 1：同一进程内多线程只会争抢 GIL，多核请加 --workers）/ "
                        "review threads per worker (default 1: more in one process only trade the GIL; use "
                        "--workers for more cores)")
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="允许该来源的浏览器调用（CORS），如编辑器插件页面；'*' 为任意 / allow browser calls (CORS) from this "
        "origin, e.g. an editor plug-in's page; '*' for any",
    )
    parser.add_argument("--request-timeout", type=float, default=None, metavar="SECONDS",
                        help="每个请求（头和正文）须在此秒数内完整送达，否则回 408 并断开（默认 60）/ seconds a "
                        "connection has to deliver a whole request, headers and body, before a 408 and a close "
                        "(default 60; env REVIEW_REQUEST_TIMEOUT)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"],
                        help="日志级别 / log level")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start uvicorn with the service app; options reach every worker through the environment."""
    import uvicorn

    os.environ["REVIEW_DB"] = os.path.abspath(args.db)
    os.environ["REVIEW_MAX_BATCH"] = str(args.max_batch)
    os.environ["REVIEW_MAX_BODY_BYTES"] = str(args.max_body_bytes)
    os.environ["REVIEW_THREADS"] = str(max(1, args.threads))
    os.environ["REVIEW_FREEZE_GC"] = "1"  # each worker is the service alone: see ServiceConfig.freeze_gc
    if args.allow_origin:
        os.environ["REVIEW_ALLOW_ORIGINS"] = ",".join(args.allow_origin)
    if args.request_timeout is not None:
        os.environ["REVIEW_REQUEST_TIMEOUT"] = str(args.request_timeout)
    # imported after the environment is set: the deadline is read when the module loads, in every worker
    from service.protocol import RequestDeadlineProtocol

    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=False,  # the app writes its own structured line per request
        http=RequestDeadlineProtocol,  # a request that never finishes arriving is answered 408 and closed
    )
    return 0
