"""Start the reference server as a separate process and know it only by its URL."""
import select
import subprocess
import sys

from .errors import ConformanceError


class ReferenceServer:
    def __init__(self, api_key: str = "reference-key", breaks: str = "", leak_headers: bool = False,
                 latency_ms: float = 0.0, requests_per_minute: int | None = None):
        self.args = [sys.executable, "-m", "reference_server", "--port", "0", "--api-key", api_key]
        if breaks:
            self.args += ["--break", breaks]
        if latency_ms:
            self.args += ["--latency-ms", str(latency_ms)]
        if leak_headers:
            self.args.append("--leak-headers")
        if requests_per_minute:
            self.args += ["--requests-per-minute", str(requests_per_minute)]
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 20.0) -> str:
        """Start the server; returns its base URL for the SDK (…/v1)."""
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("listening on "):
            process = self.process
            self.stop()  # first: reading stderr of a live process would block
            err = process.stderr.read().strip().splitlines()
            why = err[-1] if err else (line.strip() or f"no address within {timeout:g} s")
            raise ConformanceError(f"the reference server did not start: {why}")
        self.url = line.split("listening on ", 1)[1].strip() + "/v1"
        return self.url

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
