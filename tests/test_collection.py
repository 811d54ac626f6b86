"""Cases become ordinary pytest tests: readable ids, -k, markers."""
import yaml
from conftest import ROOT


def expected_tests() -> int:
    """Every case once per documented model (8), or once per model it names under `models:`."""
    files = [p for p in (ROOT / "cases").glob("*.yaml") if p.name not in ("docs-tables.yaml", "targets.yaml")]
    return sum(len(case.get("models") or range(8)) for p in files for case in yaml.safe_load(p.read_text())["cases"])


def test_ids_are_case_and_model(suite):
    run = suite.run("--collect-only")
    assert "cases/core.yaml::temperature[claude-4-5-haiku]" in run.output
    assert "cases/models.yaml::sdk-response[nova-lite]" in run.output
    assert f"{expected_tests()} tests collected" in run.output


def test_k_and_models_select(suite):
    run = suite.run("--collect-only", "-k", "stop and haiku", "--models=claude-4-5-haiku,nova-pro")
    assert run.output.count("::stop[") == 1 and "stop[claude-4-5-haiku]" in run.output


def test_markers_from_case_files_select(suite):
    text = (suite.cases / "core.yaml").read_text().replace(
        "check: model_echoed", "check: model_echoed\n    marks: [smoke]")
    (suite.cases / "core.yaml").write_text(text)
    run = suite.run("--collect-only", "-m", "smoke", "--models=nova-pro")
    assert "cases/core.yaml::model[nova-pro]" in run.output
    assert "1/" in run.output and "tests collected" in run.output


def test_plugin_stays_out_of_other_test_runs(tmp_path):
    import subprocess
    import sys

    (tmp_path / "test_plain.py").write_text("def test_ok():\n    assert True\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", str(tmp_path)], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 0 and "conformance" not in proc.stdout
