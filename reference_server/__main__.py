"""`python -m reference_server [--port 0] [--break stop,model] [--requests-per-minute N]`: serve on loopback.

Prints `listening on http://127.0.0.1:PORT` once ready, so a parent process can read the port.
"""
import argparse
import socket
import sys

import uvicorn

from .app import build_app
from .breaks import BREAKS, parse_breaks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback only (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--api-key", default="reference-key")
    parser.add_argument("--break", dest="breaks", default="",
                        help="comma-separated claims to break: " + ", ".join(BREAKS))
    parser.add_argument("--leak-headers", action="store_true",
                        help="send set-cookie and openai-organization headers (for scrubbing tests)")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="wait this long before each answer (for benchmarks of live runs)")
    parser.add_argument("--requests-per-minute", type=int, default=None, metavar="N",
                        help="answer 429 (Heroku's rate-limit error and headers) past N requests a minute per "
                             "model, over a one-minute sliding window (default: no limit)")
    args = parser.parse_args(argv)
    if args.requests_per_minute is not None and args.requests_per_minute < 1:
        parser.error("--requests-per-minute must be 1 or more")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the reference server only listens on loopback")
    try:
        breaks = parse_breaks(args.breaks)
    except ValueError as err:
        parser.error(str(err))
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only when the listener
    # says TCP, and without it every keep-alive request waits ~40 ms on a delayed ACK.
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM,
                         socket.IPPROTO_TCP)
    try:
        sock.bind((args.host, args.port))
    except OSError as err:
        parser.exit(2, f"reference_server: cannot listen on {args.host}:{args.port}: {err.strerror}\n")
    sock.listen(128)  # accept connections from the moment the address is printed
    port = sock.getsockname()[1]
    app = build_app(args.api_key, breaks, args.leak_headers, args.latency_ms,
                    requests_per_minute=args.requests_per_minute)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    print(f"listening on http://{args.host}:{port}", flush=True)
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
