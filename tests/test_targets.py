"""Targets resolve from cases/targets.yaml and the add-on's own config vars."""
from pathlib import Path

import pytest

from conformance.docs import load_docs
from conformance.errors import ConformanceError
from conformance.targets import resolve_target

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "cases" / "targets.yaml"
DOCS = load_docs(ROOT / "cases" / "docs-tables.yaml")


def resolve(name="heroku", env=None, **kw):
    return resolve_target(TARGETS, DOCS, name, environ=env or {}, **kw)


def test_heroku_reads_the_add_on_config_vars():
    t = resolve(env={"INFERENCE_URL": "https://us.inference.heroku.com", "INFERENCE_KEY": "inf-abc"})
    assert t.base_url == "https://us.inference.heroku.com/v1"
    assert t.api_key == "inf-abc"
    assert t.models == tuple(DOCS.model_ids)  # the docs' model table
    assert "inf-abc" not in repr(t)


def test_heroku_with_a_model_id_tests_that_model():
    t = resolve(env={"INFERENCE_URL": "https://x", "INFERENCE_KEY": "k", "INFERENCE_MODEL_ID": "claude-4-5-haiku"})
    assert t.models == ("claude-4-5-haiku",)


def test_an_aliased_attachment_uses_its_prefix():
    env = {"INFERENCE_4_URL": "https://eu.inference.heroku.com/", "INFERENCE_4_KEY": "inf-4"}
    t = resolve(env=env, env_prefix="INFERENCE_4")
    assert (t.base_url, t.api_key) == ("https://eu.inference.heroku.com/v1", "inf-4")


def test_heroku_without_url_is_one_clear_line():
    with pytest.raises(ConformanceError, match="target 'heroku' needs INFERENCE_URL set"):
        resolve(env={"INFERENCE_KEY": "k"})


def test_replay_needs_no_url():
    assert resolve(env={}, need_url=False).base_url is None


def test_any_server_by_url():
    t = resolve("llama", base_url="http://127.0.0.1:8080/v1", env={"OPENAI_API_KEY": "sk-x"}, models=["tiny"])
    assert (t.base_url, t.api_key, t.models) == ("http://127.0.0.1:8080/v1", "sk-x", ("tiny",))


def test_unknown_target_without_url():
    with pytest.raises(ConformanceError, match="unknown target 'nope'"):
        resolve("nope")
