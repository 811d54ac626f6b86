"""`nox -s check`'s rules for what a request's content asks of the model: the messages (images,
roles, tool-call turns) and extended thinking, whose levels come from the model table's columns."""
from .advice import NOT_LISTED, Finding, shown
from .app_requests import Unknown

THINKING_OPTIONS = {"enabled": "thinking.enabled", "budget_tokens": "thinking.budget_tokens",
                    "include_reasoning": "thinking.include_reasoning"}
SMALLEST_BUDGET = 1024  # Anthropic's smallest budget_tokens; Heroku's docs say only "max varies by model"
HAS_FEATURE = ("✓", "Optional")


class ContentRules:
    """Mixed into RequestReview: `self.find`, `self.model`, `self.r` (the Reviewer), `self.body`."""

    def p_messages(self, value) -> list[Finding]:
        count = len(value) if isinstance(value, list) else None
        found = [self.find(f"messages: {count} message(s)" if count is not None else f"messages: {shown(value)}",
                           "core.messages")]
        if isinstance(value, Unknown):
            found.append(Finding("messages", "not read", "note", "the messages are built at run time: their images, "
                                 "roles and tool-call turns were not checked; check a log of them"))
            return found
        if not isinstance(value, list):
            found.append(Finding("messages", "not an array", "change", "`messages` must be an array of messages"))
            return found
        seen_other, systems, parts_noted = False, 0, False
        for i, message in enumerate(value):
            if not isinstance(message, dict):
                found.append(Finding(f"messages[{i}]", "not read", "note", f"{shown(message)} is built at run time: "
                                     "not checked"))
                continue
            role = message.get("role")
            if role == "developer":
                found.append(self.find(f"messages[{i}] role: developer", "requests.developer-role",
                                       "taken as a system message (Heroku's schema lists no developer role)",
                                       severity="note"))
            if role == "system":
                systems += 1
                if seen_other:
                    found.append(self.find(f"messages[{i}] system after the conversation began",
                                           "requests.system-mid"))
            else:
                seen_other = True
            if role == "assistant" and message.get("tool_calls") and not _has_text(message.get("content")):
                found.append(self.find(f"messages[{i}] assistant tool_calls, content {shown(message.get('content'))}",
                                       "limitations.tool-content",
                                       "Heroku requires non-empty content in messages: an assistant turn with "
                                       "tool_calls and no text is refused; put a short text in its content"))
            content = message.get("content")
            if isinstance(content, list):
                for j, part in enumerate(content):
                    found += self.part(f"messages[{i}].content[{j}]", part, parts_noted)
                    parts_noted = parts_noted or (isinstance(part, dict) and part.get("type") == "text")
        if systems > 1:
            found.append(self.find(f"messages: {systems} system messages", "requests.system-many"))
        return found

    def part(self, where: str, part, text_noted: bool) -> list[Finding]:
        if not isinstance(part, dict):
            return [Finding(where, "not read", "note", f"{shown(part)} is built at run time: not checked")]
        kind = part.get("type")
        if kind == "text":
            return [] if text_noted else [self.find(f"{where} text part", "requests.content-parts")]
        if kind == "image_url":
            return [self.image(where, part.get("image_url"))]
        return [Finding(f"{where} {kind} part", NOT_LISTED, "check",
                        f"a `{kind}` content part: Heroku's tables list text and images only")]

    def image(self, where: str, image) -> Finding:
        url = image.get("url") if isinstance(image, dict) else image
        text = url.prefix if isinstance(url, Unknown) else url if isinstance(url, str) else ""
        kind = "base64" if text.startswith("data:") else "https URL" if text.startswith(("https:", "http:")) else \
            "URL built at run time" if isinstance(url, Unknown) else "no URL"
        param = f"{where} image ({kind})"
        claim = "models.{model}.vision"
        if self.model is None:
            return self.find(param, claim, f"vision depends on the model: only "
                                           f"{', '.join(self.r.models_with('vision', HAS_FEATURE))} read images")
        by_url = kind != "base64"
        found = self.find(param, claim, case="url" if by_url else "!url")  # the verdict of images sent so
        if self.contradicted(found, "vision", "read images"):
            return found
        if found.level in HAS_FEATURE:
            if by_url:
                observed = self.r.observations is not None and self.r.observations.has_case(found.claim, self.model,
                                                                                            "url")
                found.severity = "note" if found.severity == "ok" else found.severity  # a difference stays one
                found.advice = ("documented (\"base64 format or via URLs\"): the URL must be one the server can fetch "
                                "(public, not expiring); " + ("the verdict is of images sent by URL" if observed else
                                                             "only images sent as base64 were observed")
                                + (f"; {found.advice}" if found.advice else ""))
            return found
        found.advice = (f"{self.model} has no vision: the image is not read (refused, or answered without it); use "
                        f"{' or '.join(self.r.models_with('vision', HAS_FEATURE)[:3])}")
        return found

    def contradicted(self, found: Finding, column: str, what: str) -> bool:
        """Where Heroku's pages disagree about this model's column (a model card and the table): say
        so, with each listing's source, and point to the models every page agrees on."""
        claim = self.r.docs.claims.get(found.claim or "")
        if claim is None or not claim.listed_by:
            return False
        listed = "; ".join(f"{source}: {level}" for (level, _), source in zip(claim.listings, claim.listed_by,
                                                                             strict=True))
        agreed = " or ".join(self.r.models_with(column, ("✓",))[:3])
        found.advice = (f"the docs contradict themselves about {self.model} ({listed}): don't rely on it to "
                        f"{what}; use {agreed}, which every page says can")
        return True

    def p_extended_thinking(self, value) -> list[Finding]:
        param = f"extended_thinking: {shown(value)}"
        with_thinking = ", ".join(self.r.models_with("thinking", ("✓",)))
        if self.model is None:
            optional = ", ".join(self.r.models_with("thinking", ("Optional",)))
            return [self.find(param, "models.{model}.thinking", f"extended thinking depends on the model: only "
                                                                 f"{with_thinking} have it (Optional on {optional})")]
        column = self.find(param, "models.{model}.thinking")
        if self.contradicted(column, "thinking", "have extended thinking"):
            return [column]
        if column.level not in HAS_FEATURE:
            column.advice = (f"{self.model} has no extended thinking: `extended_thinking` is refused or ignored; use "
                             f"{with_thinking}")
            return [column]
        if column.level == "Optional":
            column.advice = (f"extended thinking is Optional on {self.model} (\"available in some form\"): it may "
                             f"answer without reasoning; for thinking you can rely on, use {with_thinking}")
        if not isinstance(value, dict):
            return [column]
        found = [column] if column.severity != "ok" else []
        if value.get("enabled") is False:
            return found + [self.find("extended_thinking.enabled: false", "thinking.enabled", "thinking is off")]
        for key, option in value.items():
            found.append(self.thinking_option(key, option))
        if value.get("enabled") is True:
            found += self.thinking_constraints()
        return found

    def thinking_option(self, key: str, value) -> Finding:
        param = f"extended_thinking.{key}: {shown(value)}"
        if key not in THINKING_OPTIONS:
            return Finding(param, NOT_LISTED, "check", f"`{key}` is not an option Heroku's thinking table lists")
        if key == "budget_tokens" and isinstance(value, int) and value < SMALLEST_BUDGET:
            return self.find(param, THINKING_OPTIONS[key], severity="check",
                             advice=f"a budget under {SMALLEST_BUDGET} (Anthropic's smallest) may be refused; "
                                    f"Heroku's docs say only \"max varies by model\"")
        return self.find(param, THINKING_OPTIONS[key])

    def thinking_constraints(self) -> list[Finding]:
        """Anthropic's constraints beside thinking, which Heroku's page does not mention."""
        found = []
        temperature = self.body.get("temperature")
        if isinstance(temperature, int | float) and temperature != 1:
            found.append(self.find(f"temperature: {temperature} with thinking", "thinking.enabled/with-temperature",
                                   "Anthropic requires temperature 1 with thinking, and Heroku's docs say nothing of "
                                   "it: drop temperature, or set it to 1"))
        choice = self.body.get("tool_choice")
        if choice == "required" or isinstance(choice, dict):
            found.append(self.find(f"tool_choice: {shown(choice)} with thinking", "thinking.enabled/with-forced-tool",
                                   "Anthropic refuses a forced tool_choice with thinking, and Heroku's docs say "
                                   "nothing of it: use tool_choice auto"))
        return found


def _has_text(content) -> bool:
    if isinstance(content, str):
        return bool(content.strip())
    if isinstance(content, list):
        return any(isinstance(p, dict) and p.get("type") == "text" and _has_text(p.get("text")) for p in content)
    return isinstance(content, Unknown)
