"""Checks of what Heroku's other pages claim (cases/pages.yaml): the ids its model cards give, and
the model id the compatibility page's setup reads from INFERENCE_MODEL_ID."""
from ..exchange import Exchange, clip
from ..findings import ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR, Finding
from ..model_env import ModelEnv
from ..verdicts import NOT_ABOUT_THE_CLAIM, obtained
from .common import answered
from .models import CHAT_TYPE, listed_models
from .registry import MODEL_ITSELF, check

NO_ACCESS = 403  # "You do not have access to that model": the key's plan lacks it


def _refusal(ex: Exchange) -> str:
    return f"HTTP {ex.status} {clip(ex.error_message or 'no message', 60)}"


@check
def card_ids_answered(probe: Exchange, gpt_oss_card: Exchange, sonnet_4_6_name: Exchange,
                      sonnet_4_6_example: Exchange, no_such_model: Exchange) -> Finding:
    """Each id a model card gives answers a minimal chat request. The probe, the same request to the
    model under test, is the control: refused too, the cards' ids say nothing. So is an id no server
    has (`no_such_model`): answered too, the server answers any id, and an answered card id proves
    nothing.

    A card id refused as an unknown model (400/404) differs, naming it; a 403 (the key's plan lacks
    the model) cannot tell; a server error answering a documented id differs.
    Sample: "refused as an unknown model: openai-gpt-oss-120b (HTTP 400 'model is not supported');
    answered: claude-sonnet, claude-sonnet-4-6"
    """
    if finding := answered(probe, "the control request to the model under test"):
        if probe.status in (400, 404, 422):  # the model under test itself is not served: says nothing here
            return Finding(REJECTED, finding.reason, probe.status, about_model=True)
        if not obtained(finding):
            return finding  # throttled, timed out, upstream down: not an observation
        return Finding(UNCLEAR, f"{finding.reason}: the cards' ids cannot be told apart from this key or server")
    if answered(no_such_model, "an id no server has") is None:
        return Finding(UNCLEAR, f"this server answers any model id (even {no_such_model.request.get('model')!r}): "
                                "an answered card id proves nothing")
    works, unknown, no_access, unclear, broken = [], [], [], [], []
    status = None
    for ex in (gpt_oss_card, sonnet_4_6_name, sonnet_4_6_example):
        model = str(ex.request.get("model"))
        trouble = answered(ex, model)
        if trouble is None:
            works.append(model)
        elif ex.status in (400, 404):
            unknown.append(f"{model} ({_refusal(ex)})")
            status = status or ex.status
        elif ex.status == NO_ACCESS:
            no_access.append(f"{model} ({_refusal(ex)})")
        elif trouble.observed == UNANSWERED or ex.status in NOT_ABOUT_THE_CLAIM or ex.status is None:
            unclear.append(trouble.reason)
        else:  # a 5xx, another 4xx, a malformed answer: a documented id is not served soundly
            broken.append(trouble.reason)
    seen = f"answered: {', '.join(works) or 'none'}"
    if unknown:
        return Finding(REJECTED, f"refused as an unknown model: {'; '.join(unknown)}; {seen}", status)
    if broken:
        return Finding(ERROR, f"{'; '.join(broken)}; {seen}")
    if no_access:
        return Finding(UNCLEAR, f"the key's plan lacks the model (403): {'; '.join(no_access)}; whether the id works "
                                f"cannot be told with this key; {seen}")
    if unclear:
        return Finding(UNANSWERED, f"{'; '.join(unclear)}; {seen}")
    return Finding(HONOURED, f"every card id answers a chat request: {', '.join(works)}")


@check
def model_env_id(probe: Exchange, listed: Exchange, model_env: ModelEnv) -> Finding:
    """The id INFERENCE_MODEL_ID holds (the model under test: the runner decides the rest before
    sending, conformance/model_env.py) answers a minimal chat request, and GET /available-models
    lists it as a chat (text-to-text) model.

    Refused (400/404) or not listed: differs, naming the id; a 403 (the plan lacks it) or a list the
    server does not serve cannot tell.
    Sample: "INFERENCE_MODEL_ID=claude-4-5-haiku answers, but GET /available-models does not list it
    among 8 chat models"
    """
    named = f"{model_env.variable}={probe.request.get('model')}"
    model = str(probe.request.get("model"))
    if probe.status == NO_ACCESS:
        return Finding(UNCLEAR, f"{named}: {_refusal(probe)}: the key's plan lacks the model it names")
    if finding := answered(probe, named):
        return finding  # refused (a difference, naming the id), a server error, or no answer
    if not listed.ok:
        return Finding(UNCLEAR, f"{named} answers; GET /available-models: "
                                f"{listed.transport_error or _refusal(listed)}: whether it is listed cannot be told")
    entries = listed_models(listed.body)
    if entries is None:
        return Finding(UNCLEAR, f"{named} answers; GET /available-models gave no list of models")
    if model not in entries:
        return Finding(IGNORED, f"{named} answers, but GET /available-models does not list it among "
                                f"{len(entries)} models")
    kinds = entries[model].get("type")
    if kinds is not None and CHAT_TYPE not in (kinds if isinstance(kinds, list) else [kinds]):
        return Finding(IGNORED, f"{named} answers, but GET /available-models lists it as {kinds!r}, not {CHAT_TYPE}")
    return Finding(HONOURED, f"{named} answers a chat request and GET /available-models lists it as a chat model")


# Their probe is the minimal request to the model a baseline would repeat (card ids: their control).
MODEL_ITSELF.update({"model_env_id", "card_ids_answered"})
