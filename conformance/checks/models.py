"""The model table against the service's own list of models (`GET /available-models`, which Heroku
serves at the inference host's root, beside /v1, in the shape `[{"model_id", "type": [...],
"regions": [...]}]`).

The list is extra evidence on a model's OpenAI-SDK row, beside the completion the SDK parses: the
model under test listed as a chat model is HONOURED; missing from the list (or listed only as
another kind of model) while it answers chat completions is UNCLEAR, the gap named (the SDK never
reads the list, so that is no difference on its row); missing and refused is a refused model. An
endpoint the server does not have says nothing about any
model (UNCLEAR, never a difference: the docs page does not promise the endpoint). Models the
service lists that the docs' table lacks, and documented models the list lacks, are named in the
reason.
"""
from ..exchange import Exchange, clip
from ..findings import HONOURED, REJECTED, UNANSWERED, UNCLEAR, Finding
from ..verdicts import NOT_ABOUT_THE_CLAIM
from .registry import check

CHAT_TYPE = "text-to-text"


def listed_models(body) -> dict[str, dict] | None:
    """model id -> its entry, from Heroku's list or from OpenAI's `{"object": "list", "data": [{"id"}]}`
    (the same facts in another server's shape); None when the body is neither."""
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        entries = [{"model_id": e.get("id"), **e} for e in body["data"] if isinstance(e, dict)]
    elif isinstance(body, list):
        entries = [e for e in body if isinstance(e, dict)]
    else:
        return None
    found = {str(e["model_id"]): e for e in entries if isinstance(e.get("model_id"), str)}
    return found if found or not entries else None


def is_chat(entry: dict) -> bool:
    """Heroku's `type` names what a model does; OpenAI's list has no type (every entry counts)."""
    kinds = entry.get("type")
    if kinds is None:
        return True
    kinds = [kinds] if isinstance(kinds, str) else kinds
    return isinstance(kinds, list) and CHAT_TYPE in kinds


def _names(ids) -> str:
    ids = sorted(ids)
    return ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "") if ids else "none"


@check
def model_listed(probe: Exchange, listed: Exchange, documented: list) -> Finding:
    """The model under test is in the service's list of models, as a chat (text-to-text) model.

    `documented` is every model id of the docs' model table (a test keeps it equal to
    cases/docs-tables.yaml). The probe, a chat completion with the model, is context: a model the
    list lacks that still answers is named so; one the list lacks and chat completions refuse is
    REJECTED, a refused model (the runner's baseline request confirms it), which differs on a
    documented model's row and says nothing about a model the docs do not list.
    Sample: "claude-4-5-haiku is not among the 8 chat models GET /available-models lists (it answers
    chat completions); documented but not listed: claude-4-5-haiku"
    """
    model = str(listed.request.get("model") or probe.request.get("model"))
    if listed.transport_error:
        return Finding(UNANSWERED, f"GET /available-models got no answer: {listed.transport_error}")
    if listed.status in NOT_ABOUT_THE_CLAIM:
        return Finding(REJECTED, f"GET /available-models: HTTP {listed.status} {listed.error_message!r}",
                       listed.status)
    if not listed.ok:
        return Finding(UNCLEAR, f"GET /available-models is not served here (HTTP {listed.status} "
                                f"{clip(listed.error_message or 'no message', 50)}): no list to compare")
    entries = listed_models(listed.body)
    if entries is None:
        shown = clip(listed.not_json if listed.not_json is not None else str(listed.body), 60)
        return Finding(UNCLEAR, f"GET /available-models answered HTTP {listed.status} with no list of models "
                                f"({shown})")
    chat = {m for m, e in entries.items() if is_chat(e)}
    extra = f"listed but not in the docs' table: {_names(chat - set(documented))}; " \
            f"documented but not listed: {_names(set(documented) - chat)}"
    answers = "it answers chat completions" if probe.ok else f"chat completions: {probe.summary()}"
    if model in chat:
        regions = entries[model].get("regions")
        where = f" in {', '.join(map(str, regions))}" if isinstance(regions, list) and regions else ""
        return Finding(HONOURED, f"{model} is listed as a chat model{where} among {len(chat)}; {extra}")
    # The row is about the openai SDK, which never reads this list: a model missing from it that
    # answers chat completions is a gap worth showing, not a difference on that row.
    if model in entries:
        return Finding(UNCLEAR, f"{model} is listed, but as {entries[model].get('type')!r}, not {CHAT_TYPE} "
                                f"({answers}); {extra}")
    missing = f"{model} is not among the {len(chat)} chat models GET /available-models lists"
    if probe.status is not None and 400 <= probe.status < 500 and probe.status not in NOT_ABOUT_THE_CLAIM:
        # Not served at all: a refused model, which the runner confirms with its baseline request and
        # which differs only for a model the docs list.
        return Finding(REJECTED, f"{missing}, and chat completions refuse it ({probe.summary()}); {extra}",
                       probe.status)
    return Finding(UNCLEAR, f"{missing} ({answers}): the list's gap, not the SDK's; {extra}")
