"""Every command README shows works as written: its nox sessions exist, its options are options the
suite (or pytest-xdist) accepts, the files and pages it links exist, and the generated
what-is-checked page is in step with the data."""
import re
import shlex

from conftest import ROOT

from conformance import what_is_checked

README = (ROOT / "README.md").read_text(encoding="utf-8")
def readme_commands() -> list[list[str]]:
    """Each command of README's shell blocks (continuation lines joined, comments dropped)."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #", 1)[0].strip()
            for part in filter(None, (p.strip() for p in line.split("&&"))):
                commands.append(shlex.split(part))
    return commands


def nox_commands() -> list[tuple[str, list[str]]]:
    found = []
    for words in readme_commands() + [shlex.split(m) for m in re.findall(r"`(\.venv/bin/nox [^`]+)`", README)]:
        if words and words[0].endswith("nox") and "-s" in words:
            rest = words[words.index("-s") + 1:]
            found.append((rest[0], rest[2:] if len(rest) > 1 and rest[1] == "--" else []))
    return found


def session_names() -> set[str]:
    text = (ROOT / "noxfile.py").read_text()
    named = set(re.findall(r'@nox\.session\(name="([^"]+)"', text))
    plain = set(re.findall(r"@nox\.session\n(?:@[^\n]+\n)*def (\w+)", text))
    return named | plain


def test_every_nox_session_readme_names_exists():
    names = session_names()
    used = {session for session, _ in nox_commands()}
    assert used and used <= names, used - names


def test_every_option_readme_passes_to_a_run_is_one_the_suite_accepts():
    plugin = (ROOT / "conformance" / "pytest_plugin.py").read_text()
    known = set(re.findall(r'addoption\("(--[a-z-]+)"', plugin)) | {"-n", "--dist", "-k"}
    for session, args in nox_commands():
        if session not in ("conformance", "record"):
            continue
        for arg in args:
            if arg.startswith("-"):
                assert arg.split("=", 1)[0] in known, f"README passes {arg} to nox -s {session}"


def test_the_setup_commands_never_pip_install_outside_a_venv():
    for words in readme_commands():
        if "pip" in words and "install" in words:
            assert words[0].startswith(".venv/"), f"PEP 668: {' '.join(words)}"


def test_every_file_readme_links_exists():
    for link in re.findall(r"\]\(((?!https?:|#)[^)]+)\)", README):
        assert (ROOT / link.split("#")[0]).exists(), link


def test_readme_is_short():
    assert len(README.splitlines()) < 300


def test_the_what_is_checked_page_is_in_step_with_the_data():
    assert what_is_checked.main(["--check"]) == 0, "run python -m conformance.what_is_checked"


def test_the_reference_server_command_serves_on_loopback():
    """`nox -s reference-server -- --port N` runs this: it must start with the package's own
    dependencies and answer (the command README showed before ended in ModuleNotFoundError)."""
    import json
    import subprocess
    import sys
    import urllib.request

    server = subprocess.Popen([sys.executable, "-m", "reference_server", "--port", "0"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        with urllib.request.urlopen(line.split("listening on ", 1)[1].strip() + "/available-models",
                                    timeout=30) as answer:
            assert any(m["model_id"] == "claude-4-5-haiku" for m in json.loads(answer.read()))
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_parallel_live_run_as_readme_shows_it_works(suite, reference_server):
    """README's live runs pass `-n N`: pytest-xdist comes with the package, in every session."""
    run = suite.run("--mode", "live", "--base-url", reference_server(), "--models=claude-4-5-haiku", "-n", "2",
                    "-k", "stop")
    assert run.code == 0, run.output
    assert run.results["results"] and all(r["verdict"] == "agrees" for r in run.results["results"]
                                          if r["row"].startswith("core.stop")), run.output


def test_the_heroku_quick_starts_budget_admits_a_whole_run_on_any_one_documented_model():
    """README's record command caps the tokens: the cap must let a run on the user's one model start
    (a run whose plan could cost more is refused before it sends anything)."""
    from conformance.cases import load_cases
    from conformance.docs import load_docs
    from conformance.plan import estimate

    budget = next(int(words[words.index("--budget") + 1]) for words in readme_commands()
                  if "record" in words and "--budget" in words)
    docs = load_docs(ROOT / "cases" / "docs-tables.yaml")
    cases = load_cases(ROOT / "cases", docs)
    for model in docs.model_ids:
        ceiling = sum(estimate(case, model, 10)[1] for case in cases if case.applies_to(model))
        assert ceiling <= budget, f"{model}: a run could use {ceiling:,} tokens, over README's --budget {budget:,}"
