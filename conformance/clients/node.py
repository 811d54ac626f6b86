"""The Node.js clients: the official `openai` npm package (openai-node) and Vercel's AI SDK with
`@ai-sdk/openai-compatible` (ai-sdk), driven by one long-lived Node.js process per run process
(conformance/clients/js/driver.mjs), fed requests as JSON lines.

The driver's clients send to a loopback server of this process (wire/loopback.py), which answers
from the cassette being replayed or forwards to the target: the wire part of the exchange is what
crossed it, read exactly as the Python SDK's answers are; the client's view is what the driver
reports the client made of it.
"""
import json
import os
import select
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..exchange import ClientView, Exchange
from ..wire.answers import take_answer, take_stream
from ..wire.cassettes import NotRecorded, json_or_raw
from ..wire.keys import WRONG_KEY
from ..wire.loopback import EXCHANGE_HEADER, LoopbackServer

# The driver and its installed packages; CONFORMANCE_NODE_CLIENTS names another copy (nox -s sdk-matrix
# installs other releases of the clients there).
JS_DIR = Path(os.environ.get("CONFORMANCE_NODE_CLIENTS") or Path(__file__).resolve().parent / "js").resolve()
DRIVER = JS_DIR / "driver.mjs"
NODE_CLIENTS = ("openai-node", "ai-sdk")
MIN_NODE = (20, 6)
START_TIMEOUT = 30.0
INSTALL_HINT = (f"install Node.js {MIN_NODE[0]}.{MIN_NODE[1]} or newer, then `npm ci --prefix {JS_DIR}` "
                "(nox -s conformance does the second)")


class DriverError(RuntimeError):
    """The Node.js driver could not handle a request (a harness error, recorded as inconclusive)."""


def node_missing() -> str | None:
    """Why the Node.js clients cannot run here, in one line, or None when they can."""
    node = shutil.which("node")
    if node is None:
        return f"Node.js is not installed: {INSTALL_HINT}"
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
        found = tuple(int(n) for n in version.lstrip("v").split(".")[:2])
    except (OSError, ValueError, subprocess.SubprocessError):
        return f"`node --version` did not answer: {INSTALL_HINT}"
    if found < MIN_NODE:
        return f"Node.js {version} is too old: {INSTALL_HINT}"
    if not (JS_DIR / "node_modules").is_dir():
        return f"the Node.js clients are not installed: run `npm ci --prefix {JS_DIR}`"
    return None


class NodeDriver:
    """The driver process: started on first use, asked one request at a time, stopped at the end. It
    never holds a key: its clients send the loopback server's placeholder, and no variable of the
    environment that holds one of the run's secrets is passed on to it."""

    def __init__(self, secrets: list[str] | None = None):
        self.secrets = [s for s in secrets or [] if s]
        self.process: subprocess.Popen | None = None
        self.versions: dict = {}
        self.stderr = None
        self.next_id = 0

    def start(self) -> None:
        self.stderr = tempfile.TemporaryFile()
        env = {name: value for name, value in os.environ.items() if not any(s in value for s in self.secrets)}
        self.process = subprocess.Popen(["node", str(DRIVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr, cwd=JS_DIR, text=True, bufsize=1,
                                        env={**env, "NODE_NO_WARNINGS": "1"})
        ready = self._read(START_TIMEOUT)
        if not ready.get("ready"):
            self.stop()
            raise DriverError(f"the Node.js driver did not start: {ready.get('error') or ready}")
        # The AI SDK is two packages: the provider, and `ai` that drives it.
        self.versions = {name: info.get("version") + (f" (ai {info['ai']})" if info.get("ai") else "")
                         for name, info in ready["clients"].items()}
        self.versions["node"] = ready.get("node")

    def ask(self, line: dict, timeout: float) -> dict:
        """Send one request line, return the driver's answer line."""
        if self.process is None or self.process.poll() is not None:
            self.start()
        self.next_id += 1
        line = {**line, "id": self.next_id}
        try:
            self.process.stdin.write(json.dumps(line) + "\n")
            self.process.stdin.flush()
        except OSError as err:
            self.stop()
            raise DriverError(f"the Node.js driver stopped: {err}") from None
        answer = self._read(timeout)
        if answer.get("id") != self.next_id:
            self.stop()
            raise DriverError(f"the Node.js driver answered out of turn: {str(answer)[:200]}")
        if "driver_error" in answer:
            raise DriverError(f"the Node.js driver: {answer['driver_error']}")
        return answer["view"]

    def _read(self, timeout: float) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        text = self.process.stdout.readline() if ready else ""
        if not text:
            why = "gave no answer in time" if not ready else "exited"
            self.stop()
            raise DriverError(f"the Node.js driver {why}{self._last_words()}")
        try:
            return json.loads(text)
        except ValueError:
            raise DriverError(f"the Node.js driver printed something that is not JSON: {text[:200]!r}") from None

    def _last_words(self) -> str:
        if self.stderr is None:
            return ""
        self.stderr.seek(0)
        lines = self.stderr.read().decode("utf-8", errors="replace").strip().splitlines()
        return f" ({lines[-1][:200]})" if lines else ""

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.stdin.close()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None


class NodeClient:
    """One Node.js client of the driver, behind the same protocol as the Python SDK's."""

    def __init__(self, name: str, driver: NodeDriver, loopback: LoopbackServer, timeout: float = 60.0):
        if name not in NODE_CLIENTS:
            raise ValueError(f"unknown Node.js client {name!r}")
        self.name, self.driver, self.loopback, self.timeout = name, driver, loopback, timeout
        if not driver.versions:
            driver.start()
        self.version = driver.versions.get(name)

    def attempt(self, request: dict, transport: dict) -> Exchange:
        """One attempt: what came back, and what the client made of it."""
        exchange_id = self.loopback.new_exchange()
        line = {"client": self.name, "base_url": self.loopback.base_url, "timeout_ms": int(self.timeout * 1000),
                "api_key": WRONG_KEY if transport.get("api_key") else self.loopback.placeholder,
                "headers": {**transport.get("headers", {}), EXCHANGE_HEADER: exchange_id}, "request": request,
                "transport": {k: v for k, v in transport.items() if k in ("raw_body", "path", "method")}}
        # The driver's own watchdog stops a stalled client a little after its timeout.
        view = self.driver.ask(line, self.timeout + 15)
        # A client that gave up early: its request may still be being answered (and recorded).
        capture = self.loopback.take(exchange_id, wait=self.timeout)
        if capture is not None and capture.miss:
            raise NotRecorded(capture.miss)
        exchange = Exchange(request=request, stream=bool(request.get("stream")))
        exchange.sdk = ClientView(client=self.name, version=self.version, sent_by=view.get("sent_by", "sdk"),
                                  outcome=view.get("outcome", "returned"), exception=view.get("exception"),
                                  request_id=view.get("request_id"), problem=view.get("problem"),
                                  chunk_count=view.get("chunk_count"), result=view.get("result"),
                                  status_classes=self.name != "ai-sdk")
        if capture is None:  # nothing reached the wire: nothing about the server to judge
            said = view.get("problem") or (view.get("exception") or {}).get("message") or "no reason given"
            exchange.transport_error = f"{self.name} sent no request ({said})"
            return exchange
        self._check_sent(capture.body, request, transport)
        self._check_headers(capture.request_headers, transport.get("headers") or {})
        if capture.transport_error:
            exchange.transport_error = capture.transport_error
            return exchange
        reader = take_stream if exchange.stream and "path" not in transport and "raw_body" not in transport \
            and 200 <= capture.status < 300 else take_answer
        reader(exchange, capture.status, capture.headers, capture.content)
        exchange.stream_cut = capture.stream_cut
        return exchange

    def _check_sent(self, body: bytes, request: dict, transport: dict) -> None:
        """The client sent the planned bytes: recordings are matched on them, and every client must
        be judged on the same request."""
        if "raw_body" in transport:
            planned = transport["raw_body"]
        elif transport.get("method") == "GET":
            return
        else:
            planned = request
        if json_or_raw(body) != (json_or_raw(planned) if isinstance(planned, str) else planned):
            raise DriverError(f"{self.name} sent another body than the one planned: {body[:200]!r}")

    def _check_headers(self, sent: dict, planned: dict) -> None:
        """The client sent every planned header with its planned value: a client that drops or
        rewrites one would be judged on another request than the other clients."""
        for name, value in planned.items():
            if sent.get(name.lower()) != value:
                got = "none" if name.lower() not in sent else repr(sent[name.lower()][:100])
                raise DriverError(f"{self.name} did not send the planned header {name}: {value!r} (it sent {got})")
