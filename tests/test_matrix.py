"""`nox -s conformance` with no arguments: every recorded target replayed by its own pytest run, one
merged report with each result's target, and a non-zero exit when any target's run fails."""
import json
import shutil
import sys

from conftest import ROOT

from conformance import matrix
from conformance.results.merge import merge_documents


def test_every_recorded_target_is_replayed_and_any_failure_fails_the_whole(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "cases", tmp_path / "cases")
    shutil.copytree(ROOT / "cassettes" / "reference" / "core", tmp_path / "cassettes" / "reference" / "core")
    # An ad-hoc target recorded earlier (its manifest, no profile), whose answers were all throttled:
    # nothing could be obtained, so its run fails.
    other = tmp_path / "cassettes" / "other"
    shutil.copytree(ROOT / "cassettes" / "reference" / "core" / "model", other / "core" / "model")
    for path in other.rglob("*.yaml"):
        path.write_text(path.read_text().replace("code: 200", "code: 429"))
    (other / "target.json").write_text(json.dumps({"target": "other", "models": ["claude-4-5-haiku"],
                                                   "claims": "heroku", "features": {}, "own_models": []}))
    monkeypatch.chdir(tmp_path)
    calls = []
    real_call = matrix.subprocess.call
    monkeypatch.setattr(matrix.subprocess, "call", lambda cmd: calls.append(cmd) or real_call(cmd))

    code = matrix.main(["cases/core.yaml", "-q", "-p", "no:cacheprovider", "--models", "claude-4-5-haiku"])

    assert code == 1
    assert [c[c.index("--target") + 1] for c in calls] == ["reference", "other"]  # profiles first
    assert all(c[0] == sys.executable for c in calls)
    merged = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert merged["run"]["target"] == "reference, other"
    assert [t["target"] for t in merged["run"]["targets"]] == ["reference", "other"]
    assert {r["target"] for r in merged["results"]} == {"reference", "other"}
    assert (tmp_path / "reports" / "other" / "junit.xml").is_file()
    assert (tmp_path / "reports" / "index.html").is_file()
    by_target = {t["target"]: t for t in merged["run"]["targets"]}
    assert by_target["reference"]["exit_status"] == 0 and by_target["other"]["exit_status"] == 1


def test_the_matrix_refuses_options_it_sets_itself_and_live_runs(capsys):
    assert matrix.main(["--target", "x"]) == 4
    assert matrix.main(["--mode", "live"]) == 4
    err = capsys.readouterr().err
    assert "--target is set per target here" in err and "replays only" in err


def test_merged_results_of_two_targets_keep_the_same_probe_apart():
    def doc(target):
        run = {"target": target, "mode": "replay", "models": ["m"], "claims": "heroku", "status": "completed"}
        result = {"target": target, "test_id": "cases/core.yaml::stop[m]", "row": "core.stop", "params": {},
                  "verdict": "agrees" if target == "a" else "differs", "model": "m", "tokens": {}}
        return {"run": run, "docs": {}, "results": [result]}

    merged = merge_documents([("a.json", doc("a")), ("b.json", doc("b"))])
    assert sorted((r["target"], r["verdict"]) for r in merged["results"]) == [("a", "agrees"), ("b", "differs")]
    again = merge_documents([("ab.json", merged), ("a.json", doc("a"))])  # a merged file merges again
    assert [t["target"] for t in again["run"]["targets"]] == ["a", "b"]
