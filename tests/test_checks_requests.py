"""The request-form checks, on hand-built exchanges: a server that breaks each claim, one that
honours it in an unusual but valid way, and a model too weak to show the effect."""
from conformance import checks
from conformance.exchange import Exchange
from conformance.findings import HONOURED, IGNORED, REJECTED, UNCLEAR
from conformance.verdicts import AGREES, DIFFERS, judge


def answer(text, prompt_tokens=20, finish="stop", **request):
    body = {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "nova-lite",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 3, "total_tokens": prompt_tokens + 3},
    }
    return Exchange(request={"model": "nova-lite", **request}, status=200, body=body)


def refused(status, message, **request):
    return Exchange(request={"model": "nova-lite", **request}, status=status,
                    body={"error": {"message": message, "type": "invalid_request_error", "code": status}})


def verdict(finding):
    return judge("accepted-with-effect", finding)[0]


WORD = {"word": "HELIOTROPE", "carrier": "developer message"}


def test_word_reaches_model():
    without = answer("I have not been told any keyword.", prompt_tokens=12)
    longer = answer("Heliotrope", prompt_tokens=50)
    assert checks.word_reaches_model(answer("Heliotrope", prompt_tokens=26), without, longer,
                                     **WORD).observed == HONOURED
    same = answer("I don't know any keyword.", prompt_tokens=12)
    dropped = checks.word_reaches_model(answer("I don't know any keyword.", prompt_tokens=12), without, same, **WORD)
    assert dropped.observed == IGNORED and "dropped" in dropped.reason
    assert "12 with it, 12 with a longer version of it, 12 without it" in dropped.reason
    assert verdict(dropped) == DIFFERS
    unknown_role = refused(400, "messages[0].role must be one of assistant, system, tool, user")
    assert verdict(checks.word_reaches_model(unknown_role, without, longer, **WORD)) == DIFFERS


def test_word_reaches_model_but_a_weak_model_does_not_say_it():
    without = answer("Which keyword?", prompt_tokens=12)
    longer = answer("Sure!", prompt_tokens=50)
    weak = checks.word_reaches_model(answer("Sure! What else can I do?", prompt_tokens=26), without, longer, **WORD)
    assert weak.observed == UNCLEAR and "did not say it" in weak.reason
    no_usage = answer("Sure!")
    no_usage.body.pop("usage")
    assert checks.word_reaches_model(no_usage, without, longer, **WORD).observed == UNCLEAR


def test_a_developer_message_swapped_for_the_default_system_prompt_is_not_called_dropped():
    # Qwen's template: a developer turn replaces "You are Qwen, created by Alibaba Cloud...", which is
    # about as long, so the count with it equals the count without it; the longer message shows it counts
    without = answer("This tiny model gives the same short answer.", prompt_tokens=41)
    swapped = answer("This tiny model gives the same short answer.", prompt_tokens=41)
    longer = answer("This tiny model gives the same short answer.", prompt_tokens=62)
    found = checks.word_reaches_model(swapped, without, longer, **WORD)
    assert found.observed == UNCLEAR and "reached the model" in found.reason and verdict(found) != DIFFERS
    # a longer message that adds one token: nothing shown either way, never "dropped" nor "arrived"
    barely = checks.word_reaches_model(swapped, without, answer("x", prompt_tokens=42), **WORD)
    assert barely.observed == UNCLEAR and "unknown" in barely.reason


def test_every_system_message_reaches():
    words = {"first": "TANGERINE", "second": "PAPAYA"}

    def run(reply, prompt, longer_second=48):
        second_only, first_only = answer("PAPAYA", prompt_tokens=14), answer("TANGERINE", prompt_tokens=20)
        return checks.every_system_message_reaches(answer(reply, prompt_tokens=prompt), second_only, first_only,
                                                   answer("x", prompt_tokens=prompt + 30),
                                                   answer("x", prompt_tokens=longer_second), **words)

    assert run("tangerine papaya", 28).observed == HONOURED
    # only the first system message kept: the prompt is as long as without the second one, however long it is
    kept_first = run("TANGERINE", 20, longer_second=20)
    assert kept_first.observed == IGNORED and "second system message was dropped" in kept_first.reason
    # both reached the model (a longer second one counts), the model only repeated one
    assert run("TANGERINE", 28, longer_second=58).observed == UNCLEAR
    # the same count as without it, but the longer one counts: a coincidence, not a drop
    assert run("TANGERINE", 20, longer_second=50).observed == UNCLEAR


def test_parts_match_string():
    string = answer("1, 2, 3, 4, 5, 6, 7, 8")
    assert checks.parts_match_string(answer("1, 2, 3, 4, 5, 6, 7, 8"), string).observed == HONOURED
    # another layout of the same count is the same answer
    assert checks.parts_match_string(answer("1,2,3,4,5,6,7,8"), string).observed == HONOURED
    lost = checks.parts_match_string(answer("Hello! How can I help?"), string)
    assert lost.observed == IGNORED
    assert checks.parts_match_string(refused(400, "content must be a string"), string).observed == REJECTED


def test_parts_match_string_with_a_model_that_varies_is_unclear():
    string = answer("1, 2, 3, 4, 5, 6, 7, 8")
    assert checks.parts_match_string(answer("1, 2, 3, 4, 5, 6, 7, 8, 9"), string).observed == UNCLEAR
    assert checks.parts_match_string(answer("1, 2, 3"), answer("Sure, here they are!")).observed == UNCLEAR


STOP = {"stop": ["\n"]}


def test_whitespace_stop():
    lines = answer("alpha\nbeta\ngamma")
    assert checks.whitespace_stop(answer("alpha", **STOP), lines).observed == HONOURED
    clean = checks.whitespace_stop(refused(400, "stop sequences may not be whitespace only", **STOP), lines)
    assert clean.observed == HONOURED and verdict(clean) == AGREES
    ignored = checks.whitespace_stop(answer("alpha\nbeta\ngamma", **STOP), lines)
    assert ignored.observed == IGNORED
    crash = checks.whitespace_stop(refused(500, "Failed to execute chat", **STOP), lines)
    assert verdict(crash) == DIFFERS
    unrelated = checks.whitespace_stop(refused(400, "messages must alternate", **STOP), lines)
    assert verdict(unrelated) == DIFFERS


def test_whitespace_stop_with_a_one_line_answer_is_unclear():
    assert checks.whitespace_stop(answer("alpha beta gamma", **STOP), answer("alpha beta gamma")).observed == UNCLEAR


COUNT = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10"


def test_null_means_absent():
    assert checks.null_means_absent(answer(COUNT, max_tokens=None), answer(COUNT)).observed == HONOURED
    crash = checks.null_means_absent(refused(500, "Failed to execute chat", max_tokens=None), answer(COUNT))
    assert crash.observed == REJECTED and "max_tokens=null" in crash.reason and verdict(crash) == DIFFERS
    refusal = checks.null_means_absent(refused(400, "max_tokens must be an integer", max_tokens=None), answer(COUNT))
    assert verdict(refusal) == DIFFERS
    # null taken as a value: max_tokens null as 1
    tiny = checks.null_means_absent(answer("1", finish="length", max_tokens=None), answer(COUNT))
    assert tiny.observed == IGNORED
    garbled = checks.null_means_absent(answer("null", stop=None), answer(COUNT))
    assert garbled.observed == IGNORED


def test_null_means_absent_with_a_model_that_varies_is_unclear():
    other_count = answer("1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11", temperature=None)
    assert checks.null_means_absent(other_count, answer(COUNT)).observed == UNCLEAR


def test_null_params_need_a_count_to_compare_with():
    # a model that did not count in the control: nothing shows what null changed
    sampled = checks.null_means_absent(answer("12 and 40", max_tokens=None), answer("My favourite is 5"))
    assert sampled.observed == UNCLEAR
    # the same count cut differently (sampling, or a limit) is no proof either
    cut = checks.null_means_absent(answer("1, 2, 3", finish="length", top_p=None), answer("1, 2, 3"))
    assert cut.observed == UNCLEAR
    # a count without null, none with it: null changed the answer
    changed = checks.null_means_absent(answer("Hello!", stop=None), answer("1, 2, 3, 4, 5"))
    assert changed.observed == IGNORED


def test_content_parts_need_a_string_answer_that_is_a_count():
    assert checks.parts_match_string(answer("Hello there"), answer("I like 5 things")).observed == UNCLEAR
    assert checks.parts_match_string(answer("Hello there"), answer("1, 2, 3, 4")).observed == IGNORED


def test_word_reaches_model_through_a_template_with_a_default_system_prompt():
    # A system message in place of the template's default one ("You are Qwen, created by Alibaba
    # Cloud...") can make the prompt shorter than without it: it arrived all the same.
    without = answer("This tiny model always gives the same short answer.", prompt_tokens=45)
    longer = answer("This tiny model always gives the same short answer.", prompt_tokens=63)
    shorter = checks.word_reaches_model(answer("This tiny model always gives the same short answer.",
                                               prompt_tokens=43), without, longer, **WORD)
    assert shorter.observed == UNCLEAR and "reached the model" in shorter.reason
