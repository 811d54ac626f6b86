"""Start a target's local server from its profile (`start:`), wait until it serves, stop it after.

The server runs in its own process group on a loopback port: stopping it ends the whole group (a
wrapper script and the server it runs), whether the run finished, failed, or was interrupted
(Ctrl-C, SIGTERM; and at interpreter exit as a last resort). Its output goes to a temporary file,
never a pipe nobody reads (a chatty server would block on a full pipe); the last lines of it,
with secrets scrubbed, explain a server that would not start.
"""
import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from .errors import ConformanceError
from .secrets import meaningful, scrub_text
from .targets import KEY_PLACEHOLDER, PORT_PLACEHOLDER, StartSpec

HOST = "127.0.0.1"
TAIL_LINES = 3
POLL_SECONDS = 0.1
# Straight to loopback: an http_proxy in the environment must never see the readiness check.
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A loopback port nobody listens on now (the server binds it moments later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex((HOST, port)) == 0


def _die_with_parent() -> None:
    """Linux: the server's leader gets SIGTERM if the suite itself is killed (SIGKILL leaves no other way)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class LocalServer:
    def __init__(self, target: str, spec: StartSpec, api_key: str | None, secrets: list[str] = ()):
        self.target, self.spec, self.api_key = target, spec, api_key or ""
        env_values = [value.replace(KEY_PLACEHOLDER, self.api_key) for _, value in spec.env]
        self.secrets = meaningful([self.api_key, *secrets, *env_values])
        self.process: subprocess.Popen | None = None
        self.log = None
        self.port: int | None = None

    def _substitute(self, text: str) -> str:
        return text.replace(PORT_PLACEHOLDER, str(self.port)).replace(KEY_PLACEHOLDER, self.api_key)

    def command(self) -> list[str]:
        words = [self._substitute(w) for w in self.spec.command]
        if words[0] in ("python", "python3"):
            words[0] = sys.executable  # the suite's own interpreter, with the suite's packages
        return words

    def start(self) -> str:
        """Start the server and wait until it is ready; returns its root URL (http://127.0.0.1:PORT)."""
        if self.spec.port is not None and port_in_use(self.spec.port):
            raise ConformanceError(f"target '{self.target}': port {self.spec.port} on {HOST} is in use (another "
                                   "server is running there: stop it, or use port: auto)")
        self.port = self.spec.port or free_port()
        env = {**os.environ, **{k: self._substitute(v) for k, v in self.spec.env}}
        self.log = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=self.log,
                                            stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                            preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        except OSError as err:
            self.stop()
            raise ConformanceError(f"target '{self.target}': cannot start {self.command()[0]}: "
                                   f"{err.strerror or err}") from None
        atexit.register(self.stop)
        try:
            self._wait_until_ready()
        except BaseException:  # not ready, or interrupted while waiting: never leave it running
            self.stop()
            raise
        return f"http://{HOST}:{self.port}"

    def _wait_until_ready(self) -> None:
        url = f"http://{HOST}:{self.port}{self.spec.ready}"
        deadline = time.monotonic() + self.spec.ready_timeout
        while True:
            code = self.process.poll()
            if code is not None:
                raise ConformanceError(f"target '{self.target}': the server exited with status {code} before it "
                                       f"was ready{self._tail()}")
            if self._answers(url):
                return
            if time.monotonic() > deadline:
                raise ConformanceError(f"target '{self.target}': the server was not ready within "
                                       f"{self.spec.ready_timeout:g} s (GET {self.spec.ready} never answered 2xx)"
                                       f"{self._tail()}")
            time.sleep(POLL_SECONDS)

    def _answers(self, url: str) -> bool:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.api_key}"})
        try:
            with NO_PROXY.open(request, timeout=2) as response:
                return 200 <= response.status < 300
        except (urllib.error.URLError, OSError, ValueError):
            return False  # not listening yet, or loading (llama-server answers 503 until its model is in)

    def _tail(self) -> str:
        """': last output: a | b | c' from the server's output, scrubbed; '' when it said nothing."""
        if self.log is None:
            return ""
        self.log.seek(0)
        text = self.log.read()[-8192:].decode("utf-8", errors="replace")
        lines = [line.strip() for line in text.splitlines() if line.strip()][-TAIL_LINES:]
        if not lines:
            return ""
        said = " | ".join(lines)
        said = scrub_text(said, self.secrets)
        return f"; its last output: {said[-500:]}"

    def stop(self) -> None:
        """End the server's whole process group (a wrapper and its server): TERM, then KILL after 5 s.
        Safe to call twice."""
        process, self.process = self.process, None
        if process is not None:
            atexit.unregister(self.stop)
            self._signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._signal_group(process, signal.SIGKILL)
                process.wait()
        if self.log is not None:
            self.log.close()
            self.log = None

    @staticmethod
    def _signal_group(process: subprocess.Popen, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
