"""Models beyond the docs' table: the page says "All models available through Heroku Managed Inference
and Agents work with the OpenAI SDK", but its table lists eight, while the service's own list
(`GET /available-models`) holds more. A live or record run of a target whose models are the docs'
table (and no --models) asks the list, and adds every chat model it names that the table lacks: each
gets the model table's cases only (the SDK column, judged against that sentence; vision and thinking,
observed, since no table declares them), and the report shows them in their own group.
"""
from .checks.models import is_chat, listed_models

LIST_PATH = "../available-models"


def runs_the_docs_table(target, documented: list[str], models_asked: list[str] | None) -> bool:
    """Whether a run is of the docs' table as it stands (no --models, and not the one model an
    add-on's INFERENCE_MODEL_ID names): the only runs that also take the models beyond it."""
    return not models_asked and target.models_are_the_docs_table and tuple(target.models) == tuple(documented)


def beyond_the_table(sender, documented: list[str]) -> list[str]:
    """The chat models the service lists that the docs' table lacks, in the list's order; none when
    it serves no list (a 404, an error, no answer: the SDK never reads it, so nothing is lost)."""
    answer = sender.send({}, {"path": LIST_PATH, "method": "GET"})
    if answer.status != 200:
        return []
    listed = listed_models(answer.body) or {}
    return [model for model, entry in listed.items() if is_chat(entry) and model not in documented]


def runs_beyond_the_table(rows) -> bool:
    """Whether a case is one of the model table's (every row a model-table column): the only cases a
    model beyond the table gets."""
    return bool(rows) and all(row.startswith("models.{model}.") for row in rows)
