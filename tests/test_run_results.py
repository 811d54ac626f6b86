"""Results survive anything: parallel workers, SIGTERM, a killed run, a run split across machines."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fake_servers import Slow, serve

from conformance.results.merge import result_key


def verdicts(results: dict) -> dict:
    return {result_key(r): (r["verdict"], r["observed"]) for r in results["results"]}


def test_a_parallel_run_gives_the_same_results_as_a_serial_one(recorded_suite):
    serial = recorded_suite.run()
    parallel = recorded_suite.run("-n", "2")
    assert serial.code == parallel.code == 0, parallel.output
    assert verdicts(serial.results) == verdicts(parallel.results) and len(serial.results["results"]) > 100
    assert parallel.results["run"]["status"] == "completed"
    assert not list((recorded_suite.root / "reports" / "runs").glob("*/*.jsonl"))  # merged, then cleaned up


def test_a_live_parallel_run_shares_one_reference_server(suite):
    run = suite.run("--mode", "live", "-n", "2", "--models=claude-4-5-haiku", select="core.yaml")
    assert run.code == 0, run.output
    assert {r["verdict"] for r in run.results["results"]} <= {"agrees", "inconclusive"}


def start_slow_run(suite, url, *extra, session: bool = False, env: dict | None = None):
    cmd = [sys.executable, "-m", "pytest", str(suite.cases / "core.yaml"), "-q", "-p", "no:cacheprovider",
           "--cases-dir", str(suite.cases), "--results", str(suite.results), "--report",
           str(suite.root / "reports" / "index.html"), "--mode", "live", "--target", "slow", "--base-url", url,
           "--models=m1,m2,m3", *extra]
    return subprocess.Popen(cmd, cwd=suite.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={"OPENAI_API_KEY": "k-123456", "PATH": "/usr/bin:/bin", **(env or {})},
                            start_new_session=session)


def wait_for_results(suite, proc, at_least: int = 2):
    deadline = time.time() + 60
    while time.time() < deadline:
        lines = sum(len(p.read_text().splitlines()) for p in (suite.root / "reports" / "runs").glob("*/*.jsonl"))
        if lines >= at_least:
            return
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("the run wrote no results")


def test_sigterm_keeps_what_was_finished_and_says_the_run_was_interrupted(suite):
    url, stop = serve(Slow)
    try:
        suite.results.parent.mkdir(parents=True, exist_ok=True)
        suite.results.write_text('{"stale": "an older run"}')
        proc = start_slow_run(suite, url)
        wait_for_results(suite, proc)
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=60)[0]
    finally:
        stop()
    data = json.loads(suite.results.read_text())
    assert data["run"]["status"] == "interrupted", output
    assert 2 <= len(data["results"]) < 8 * 3 * 3
    assert "This run is interrupted" in (suite.root / "reports" / "index.html").read_text()


def test_ctrl_c_to_the_whole_process_group_says_the_run_was_interrupted_and_fails(suite):
    # A terminal's Ctrl-C reaches every process of the foreground group: pytest, and any child it started.
    url, stop = serve(Slow)
    try:
        # nox, in the same group, then stops its child with SIGTERM while pytest still handles the Ctrl-C:
        # the plugin second_signal sends it at that very moment.
        proc = start_slow_run(suite, url, "-p", "second_signal", session=True,
                              env={"PYTHONPATH": str(Path(__file__).parent)})
        wait_for_results(suite, proc)
        os.killpg(proc.pid, signal.SIGINT)
        output = proc.communicate(timeout=60)[0]
    finally:
        stop()
    data = json.loads(suite.results.read_text())
    assert data["run"]["status"] == "interrupted", output
    assert proc.returncode != 0 and data["run"]["exit_status"] != 0, output
    assert 2 <= len(data["results"]) < 8 * 3 * 3


def test_a_killed_run_says_it_never_finished_and_its_shards_rebuild_it(suite, tmp_path):
    url, stop = serve(Slow)
    try:
        proc = start_slow_run(suite, url)
        wait_for_results(suite, proc, at_least=3)
        proc.kill()
        proc.wait(timeout=30)
    finally:
        stop()
    data = json.loads(suite.results.read_text())
    assert data["run"]["status"] == "running" and data["results"] == []  # never "looks current"
    (run_dir,) = (suite.root / "reports" / "runs").iterdir()
    out = tmp_path / "rebuilt.json"
    proc = subprocess.run([sys.executable, "-m", "conformance.report", "--run", str(run_dir), "--write-results",
                           str(out), "-o", str(tmp_path / "o.html")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rebuilt = json.loads(out.read_text())
    assert rebuilt["run"]["status"] == "interrupted" and len(rebuilt["results"]) >= 3


def test_runs_split_by_model_merge_into_one_report_and_conflicts_are_refused(recorded_suite, tmp_path):
    a = recorded_suite.run("--models=nova-lite", "--results", str(tmp_path / "a.json"))
    b = recorded_suite.run("--models=nova-pro", "--results", str(tmp_path / "b.json"))
    assert a.code == b.code == 0
    merged = tmp_path / "merged.json"
    proc = subprocess.run([sys.executable, "-m", "conformance.report", str(tmp_path / "a.json"),
                           str(tmp_path / "b.json"), "--write-results", str(merged), "-o", str(tmp_path / "o.html")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(merged.read_text())
    assert data["run"]["models"] == ["nova-lite", "nova-pro"]
    assert {r["model"] for r in data["results"]} == {"nova-lite", "nova-pro"}
    # the same probe with another verdict: refused in one line
    conflicting = json.loads((tmp_path / "a.json").read_text())
    conflicting["results"][0]["verdict"] = "differs"
    (tmp_path / "c.json").write_text(json.dumps(conflicting))
    proc = subprocess.run([sys.executable, "-m", "conformance.report", str(tmp_path / "a.json"),
                           str(tmp_path / "c.json"), "-o", str(tmp_path / "o.html")], capture_output=True, text=True)
    assert proc.returncode == 2 and "conflicting results for" in proc.stderr and "Traceback" not in proc.stderr


def test_files_written_whole_are_readable_as_any_new_file(tmp_path):
    """A published report must be readable by the web server's user: not mkstemp's 0600."""
    import os

    from conformance.atomic import write_text_atomic

    path = tmp_path / "index.html"
    write_text_atomic(path, "<p>report</p>")
    mask = os.umask(0o022)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask and path.read_text() == "<p>report</p>"


def test_the_summary_gives_one_line_per_undecided_row_naming_its_models(suite, reference_server):
    url = reference_server()
    args = ("--mode", "live", "--base-url", url, "--models=claude-4-5-haiku,nova-lite", "-k", "unknown-params")
    run = suite.run(*args)
    lines = [line for line in run.output.splitlines() if line.strip().startswith("inconclusive:")]
    rows = [line.split("inconclusive: ", 1)[1].split(" on ", 1)[0] for line in lines]
    assert sorted(rows) == sorted(set(rows)) and "prose.unknown-params" in rows, run.output
    assert any("on claude-4-5-haiku, nova-lite" in line for line in lines), run.output
    verbose = suite.run(*args, "-vv")  # the suite runs with -q: -vv is a user's -v
    every = [ln for ln in verbose.output.splitlines() if "inconclusive: cases/advanced.yaml::unknown-params[" in ln]
    assert len(every) >= 4
