"""The parameters' own rules for `nox -s check`: which docs claim speaks about each parameter a
request sends, for its value, and what to tell the user in plain words."""
from .advice import NOT_LISTED, NOT_OPENAI, UNKNOWN_MODEL, Finding, Review, Reviewer, shown
from .advice_content import ContentRules
from .app_requests import AppRequest, Unknown

IGNORED = ("seed", "n", "presence_penalty", "frequency_penalty", "logit_bias")  # the Advanced table's Ignored rows
# The value of an Ignored parameter that asks for nothing: ignoring it changes nothing.
NO_OP = {"n": 1, "presence_penalty": 0, "frequency_penalty": 0, "logit_bias": {}}
# {p}: the parameter as sent (`n: 3`, or `n` when its value is known only at run time).
IGNORED_ADVICE = {
    "seed": "`{p}` is ignored on Heroku: answers are not reproducible; don't rely on it for tests or caching",
    "n": "`{p}` is ignored on Heroku: you will get one choice; send one request per answer you need",
    "presence_penalty": "`{p}` has no effect on Heroku: steer repetition in the prompt instead",
    "frequency_penalty": "`{p}` has no effect on Heroku: steer repetition in the prompt instead",
    "logit_bias": "`logit_bias` has no effect on Heroku: no token is boosted or banned; ask for it in the prompt, "
                  "or filter the answer",
}
# Parameters whose level does not depend on their value (beyond null, which means absent).
PLAIN = {"max_tokens": "core.max_tokens", "top_p": "core.top_p", "stream": "core.stream",
         "tools": "advanced.tools", "tool_choice": "advanced.tool_choice", "user": "metadata.user",
         "max_completion_tokens": "devcenter.max_completion_tokens"}


class RequestReview(ContentRules):
    """One request's review: the model first (every other level depends on it), then each parameter."""

    def __init__(self, reviewer: Reviewer, request: AppRequest):
        self.r, self.request, self.body = reviewer, request, request.body
        self.model: str | None = None

    def find(self, param: str, claim: str, advice: str = "", severity: str | None = None,
             case: str | None = None) -> Finding:
        return self.r.finding(param, claim, self.model, self.request.client, advice, severity, case)

    def run(self) -> Review:
        model_finding, text = self.model_param()
        review = Review(self.request, self.model, text, [model_finding])
        for key, value in self.body.items():
            if key != "model":
                review.findings += self.param(key, value)
        review.findings += [Finding(what, "not read", "note", "the source adds keys here that were not read: "
                                    "check them with a log of the requests this code sends")
                            for what in self.request.unread]
        return review

    # ---- the model ------------------------------------------------------------------------------

    def model_param(self) -> tuple[Finding, str]:
        docs, value = self.r.docs, self.body.get("model")
        listed = ", ".join(docs.model_ids)
        if "model" not in self.body and self.request.unread:  # it may come from what was not read
            value = Unknown(self.request.unread[0])
        if "model" not in self.body or value is None:
            return Finding("model", UNKNOWN_MODEL, "change", f"no model: name one of Heroku's models ({listed})"), "—"
        if isinstance(value, Unknown):
            if self.r.assumed_model:
                self.model = self.r.assumed_model
                found = self.known_model(f"model: {shown(value)}")
                found.advice = f"checked as {self.model} (--model){'; ' + found.advice if found.advice else ''}"
                return found, self.model
            return Finding("model", "depends on the model", "check",
                           f"the model is {shown(value)}, known only at run time: levels that depend on it are "
                           "shown for every model; run with --model ID to check it"), shown(value)
        if value not in docs.model_ids:
            found = Finding(f"model: {shown(value)}", UNKNOWN_MODEL, "change",
                            f"unknown model id {shown(value)}{self.r.suggest_model(str(value))}: Heroku's docs list "
                            f"{listed}", "prose.errors/unknown-model")
            if self.r.observations is not None:
                found.observed = self.r.observations.of_any_model("prose.errors/unknown-model")
            return found, str(value)
        self.model = value
        return self.known_model(f"model: {value}"), value

    def known_model(self, param: str) -> Finding:
        if self.model not in self.r.docs.model_ids:  # --model named an id the docs do not list
            return Finding(param, UNKNOWN_MODEL, "change", f"unknown model id '{self.model}'"
                           f"{self.r.suggest_model(self.model)}: Heroku's docs list {', '.join(self.r.docs.model_ids)}")
        return self.find(param, "models.{model}.sdk")

    # ---- each parameter -------------------------------------------------------------------------

    def param(self, key: str, value) -> list[Finding]:
        if key.startswith(("[", "**")):  # a computed key or a spread inside a literal: its name is not known
            return [Finding(key, "not read", "note", "a key known only at run time: not checked")]
        if value is None and key != "messages":
            return [self.find(f"{key}: null", "requests.null-params", "null is taken as absent")]
        rule = getattr(self, f"p_{key}", None)
        if rule is not None:
            return rule(value)
        if key in IGNORED:
            return [self.ignored(key, value)]
        if key in PLAIN:
            return [self.find(f"{key}: {shown(value)}", PLAIN[key])]
        if key in self.r.listed:
            return [self.find(f"{key}: {shown(value)}", self.r.listed[key])]
        return [self.not_listed(key, value)]

    def not_listed(self, key: str, value) -> Finding:
        if key in self.r.openai_params:
            return Finding(f"{key}: {shown(value)}", NOT_LISTED, "check",
                           f"`{key}` is an OpenAI parameter Heroku's tables do not list: what Heroku does with it "
                           "is undocumented")
        found = Finding(f"{key}: {shown(value)}", NOT_OPENAI, "check",
                        f"`{key}` is neither an OpenAI parameter nor in Heroku's tables: it may be refused, or "
                        "dropped", "prose.unknown-params")
        if self.r.observations is not None and self.model:
            found.observed = self.r.observations.of("prose.unknown-params", self.model, self.request.client)
        return found

    def ignored(self, key: str, value) -> Finding:
        if key in NO_OP and value == NO_OP[key] and not isinstance(value, bool):
            return self.find(f"{key}: {shown(value)}", f"advanced.{key}", severity="ok",
                             advice=f"{shown(value)} is the default: Heroku ignoring it changes nothing")
        sent = key if isinstance(value, Unknown) else f"{key}: {shown(value)}"
        return self.find(f"{key}: {shown(value)}", f"advanced.{key}", IGNORED_ADVICE[key].format(p=sent))

    def p_temperature(self, value) -> list[Finding]:
        if isinstance(value, int | float) and not 0 <= value <= 1:
            return [self.find(f"temperature: {value}", "core.temperature", severity="check",
                              advice=f"{value} is outside Heroku's documented range 0-1 (OpenAI's goes to 2): "
                                     "use a value from 0 to 1")]
        return [self.find(f"temperature: {shown(value)}", "core.temperature")]

    def p_stop(self, value) -> list[Finding]:
        found = [self.find(f"stop: {shown(value)}", "core.stop")]
        stops = value if isinstance(value, list) else [value]
        if any(isinstance(s, str) and s and not s.strip() for s in stops):
            found.append(self.find("stop: whitespace only", "requests.stop-whitespace", severity="note",
                                   advice="a stop of whitespace only may be refused (a 4xx) rather than honoured: "
                                          "the docs imply no more than a clean refusal"))
        return found

    def p_stream_options(self, value) -> list[Finding]:
        usage = isinstance(value, dict) and value.get("include_usage") is True
        if self.body.get("stream") is not True:
            return [self.find(f"stream_options: {shown(value)}", "devcenter.stream_options", severity="check",
                              advice="stream_options without `stream: true`: OpenAI refuses it; send it only when "
                                     "streaming")]
        advice = ("`stream_options.include_usage`: the usage comes in one last chunk with `choices: []`; code that "
                  "reads `chunk.choices[0]` must skip it") if usage else ""
        param = "stream_options.include_usage: true" if usage else f"stream_options: {shown(value)}"
        return [self.find(param, "devcenter.stream_options", advice, severity="note" if usage else None)]

    def p_response_format(self, value) -> list[Finding]:
        kind = value.get("type") if isinstance(value, dict) else value
        if kind == "json_object":
            return [self.find("response_format: json_object", "advanced.response_format/json_object")]
        if kind == "json_schema":
            schema = value.get("json_schema") if isinstance(value, dict) else None
            strict = " (`strict: true` is no guarantee)" if isinstance(schema, dict) and schema.get("strict") else ""
            return [self.find("response_format: json_schema", "advanced.response_format/json_schema",
                              "`response_format: json_schema` has limited support on Heroku (\"Limited support for "
                              f"structured output schemas\"): the schema may not be enforced{strict}; validate each "
                              "answer against it")]
        if kind == "text":
            return [self.find("response_format: text", "advanced.response_format", severity="ok",
                              advice="text is the default answer format")]
        return [self.find(f"response_format: {shown(value)}", "advanced.response_format", severity="check",
                          advice="the format's type is not read from the source: json_object works, json_schema has "
                                 "limited support")]

    def p_tools(self, value) -> list[Finding]:
        found = [self.find(f"tools: {shown(value)}", "advanced.tools")]
        for i, tool in enumerate(value if isinstance(value, list) else []):
            if isinstance(tool, dict) and tool.get("type") == "heroku_tool":
                found.append(self.find(f"tools[{i}] heroku_tool {shown(tool.get('name'))}", "pages.heroku-tool",
                                       "a `heroku_tool` is Heroku's own tool type, which the compatibility page "
                                       "does not list: it runs on a Heroku app, and what this endpoint does with "
                                       "one is only observed", severity="check"))
        return found

    def p_parallel_tool_calls(self, value) -> list[Finding]:
        found = self.find(f"parallel_tool_calls: {shown(value)}", "devcenter.parallel_tool_calls")
        if found.level == "Ignored":
            if value is True:
                found.severity, found.advice = "ok", "true is the default: Heroku ignoring it changes nothing"
            else:
                found.advice = (f"`parallel_tool_calls: {shown(value)}` is ignored on {self.model}: it may still call "
                                "several tools in one answer; handle every call in `tool_calls`")
        return [found]

    def p_logprobs(self, value) -> list[Finding]:
        if value is False:
            return [self.find("logprobs: false", "devcenter.logprobs", severity="ok", advice="false is the default")]
        return [self.find(f"logprobs: {shown(value)}", "devcenter.logprobs",
                          "Heroku's docs list logprobs both as supported and as ignored: don't rely on "
                          "token log-probabilities")]

    def p_modalities(self, value) -> list[Finding]:
        if isinstance(value, list) and all(isinstance(m, str) for m in value) and set(value) <= {"text"}:
            return [self.find(f"modalities: {value}", "devcenter.modalities")]
        return [self.find(f"modalities: {shown(value)}", "devcenter.modalities", severity="change",
                          advice="Heroku answers in text only: another modality (audio) is refused or ignored")]

    def p_metadata(self, value) -> list[Finding]:
        variant = "strings"
        if isinstance(value, dict):
            variant = "many-keys" if len(value) >= 16 else "nested" if any(
                not isinstance(v, str) for v in value.values()) else "strings"
        return [self.find(f"metadata: {shown(value)}", f"metadata.metadata/{variant}",
                          "`metadata` has partial support on Heroku: it may be dropped or refused; keep your own "
                          "record of what you tag")]

    def p_allow_ignored_params(self, value) -> list[Finding]:
        sent = [k for k in IGNORED if self.body.get(k) is not None]
        if value is False and sent:
            return [self.find("allow_ignored_params: false", "prose.allow_ignored_params", severity="change",
                              advice=f"with `allow_ignored_params: false` Heroku refuses this request: it sends "
                                     f"{', '.join(sent)} (Ignored parameters); drop them")]
        return [self.find(f"allow_ignored_params: {shown(value)}", "prose.allow_ignored_params", severity="ok")]


def review_request(reviewer: Reviewer, request: AppRequest) -> Review:
    return RequestReview(reviewer, request).run()
