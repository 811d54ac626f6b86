"""A tiny local server for the start/stop tests of target profiles (not an OpenAI server).

`python tests/fake_local_server.py --port N [--fail TEXT] [--never-ready] [--pid-file F] [--child-pid-file F]`
"""
import argparse
import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--fail", help="print this on stderr and exit 3 before serving")
    parser.add_argument("--never-ready", action="store_true", help="answer 503 to every request")
    parser.add_argument("--pid-file", help="append this process's id to this file")
    parser.add_argument("--child-pid-file", help="start a sleeping child (a wrapper's server) and write its id here")
    args = parser.parse_args()
    if args.pid_file:
        with open(args.pid_file, "a") as f:  # appended: a test counts the servers started
            f.write(f"{os.getpid()}\n")
    if args.fail:
        print("loading", flush=True)
        print(f"fatal: {args.fail}", file=sys.stderr, flush=True)
        return 3
    if args.child_pid_file:
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        Path(args.child_pid_file).write_text(str(child.pid))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b'{"status": "ok"}'
            self.send_response(503 if args.never_ready else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # not an OpenAI server: every request is refused at once (a 400 is never retried)
            body = b'{"error": {"message": "this fake serves no completions"}}'
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
