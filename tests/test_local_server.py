"""A target profile's local server: started on a free loopback port, ready when its path answers 2xx,
stopped with everything it started, on every exit path; each failure to start is one line."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.errors import ConformanceError
from conformance.local_server import NO_PROXY, LocalServer
from conformance.targets import StartSpec

FAKE = str(Path(__file__).resolve().parent / "fake_local_server.py")


def spec(*extra: str, port=None, ready="/health", timeout=10.0, env=()) -> StartSpec:
    return StartSpec(command=("python", FAKE, "--port", "{port}", *extra), port=port, ready=ready,
                     ready_timeout=timeout, env=env)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def test_starts_on_a_free_port_and_stops_with_its_children(tmp_path):
    server = LocalServer("fake", spec("--child-pid-file", str(tmp_path / "child")), "k-123456")
    url = server.start()
    assert url.startswith("http://127.0.0.1:") and server.command()[0] == sys.executable
    with NO_PROXY.open(url + "/health", timeout=2) as answer:
        assert answer.status == 200
    leader, child = server.process.pid, int((tmp_path / "child").read_text())
    server.stop()
    assert gone(leader) and gone(child)  # the wrapper's own server too
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", int(url.rsplit(":", 1)[1]))) != 0
    server.stop()  # twice is harmless


def test_a_server_that_exits_says_why_without_the_key():
    server = LocalServer("fake", spec("--fail", "bad key k-secret-98765"), "k-secret-98765")
    with pytest.raises(ConformanceError) as err:
        server.start()
    message = str(err.value)
    assert message.startswith("target 'fake': the server exited with status 3 before it was ready; its last output: ")
    assert "loading | fatal: bad key <scrubbed>" in message and "k-secret-98765" not in message
    assert "\n" not in message and server.process is None


def test_a_server_that_never_becomes_ready_is_stopped(tmp_path):
    server = LocalServer("fake", spec("--never-ready", "--pid-file", str(tmp_path / "pid"), timeout=0.5), "k")
    with pytest.raises(ConformanceError, match=r"target 'fake': the server was not ready within 0.5 s "
                                               r"\(GET /health never answered 2xx\)"):
        server.start()
    assert gone(int((tmp_path / "pid").read_text()))


def test_a_command_that_cannot_run():
    server = LocalServer("fake", StartSpec(command=("no-such-server-binary", "--port", "{port}")), "k")
    with pytest.raises(ConformanceError, match="target 'fake': cannot start no-such-server-binary: No such file"):
        server.start()


def test_a_fixed_port_in_use():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        with pytest.raises(ConformanceError, match=f"target 'fake': port {port} on 127.0.0.1 is in use"):
            LocalServer("fake", spec(port=port), "k").start()


def test_interrupted_while_waiting_it_is_stopped(tmp_path, monkeypatch):
    server = LocalServer("fake", spec("--never-ready", "--pid-file", str(tmp_path / "pid")), "k")

    def interrupted(url):
        if (tmp_path / "pid").exists():  # Ctrl-C once the server is up, while the suite waits for it
            raise KeyboardInterrupt
        return False

    monkeypatch.setattr(server, "_answers", interrupted)
    with pytest.raises(KeyboardInterrupt):
        server.start()
    assert server.process is None and gone(int((tmp_path / "pid").read_text()))


def test_port_and_key_and_env_are_substituted():
    server = LocalServer("fake", spec(env=(("FAKE_KEY", "{key}"),)), "k-abc")
    server.port = 4242
    assert server.command()[-1] == "4242" and server._substitute("{key}") == "k-abc"


def _profile(suite, name: str, start: str) -> None:
    targets = suite.cases / "targets.yaml"
    targets.write_text(targets.read_text() + f"""
  {name}:
    key: k-secret-98765
    base_path: /v1
    models: [m]
    start: {start}
""")


def test_sigterm_while_the_server_starts_stops_it(suite, tmp_path):
    pid_file = tmp_path / "pid"
    _profile(suite, "slow", f"{{command: [python, {FAKE}, --port, '{{port}}', --never-ready, --pid-file, "
                            f"{pid_file}], ready: /health, ready_timeout: 60}}")
    cmd = [sys.executable, "-m", "pytest", str(suite.cases / "core.yaml"), "-q", "-p", "no:cacheprovider",
           "--cases-dir", str(suite.cases), "--cassette-dir", str(suite.cassettes), "--mode", "live",
           "--target", "slow", "--results", str(suite.results), "--report", ""]
    proc = subprocess.Popen(cmd, cwd=suite.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    server_pid = int(pid_file.read_text())
    time.sleep(0.3)  # waiting for /health now
    os.kill(proc.pid, signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode != 0 and gone(server_pid), out


def test_a_server_that_will_not_start_is_one_line_through_pytest(suite):
    _profile(suite, "broken", f"{{command: [python, {FAKE}, --port, '{{port}}', --fail, 'no key k-secret-98765']}}")
    run = suite.run("--mode", "live", "--target", "broken", select="core.yaml")
    assert run.code == 4 and "Traceback" not in run.output, run.output
    assert ("ERROR: conformance: target 'broken': the server exited with status 3 before it was ready; its last "
            "output: loading | fatal: no key <scrubbed>") in run.output
    assert "k-secret-98765" not in run.output



def test_xdist_workers_share_the_one_server_the_controller_started(suite, tmp_path):
    pids = tmp_path / "pids"
    _profile(suite, "shared", f"{{command: [python, {FAKE}, --port, '{{port}}', --pid-file, {pids}], ready: /health}}")
    run = suite.run("--mode", "live", "--target", "shared", "-n", "2", "-k", "stop or model", select="core.yaml")
    started = pids.read_text().split()
    assert len(started) == 1, run.output  # not one per worker
    assert gone(int(started[0])) and run.results["run"]["status"] == "completed"
