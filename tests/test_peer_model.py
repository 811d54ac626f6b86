"""The tiny model written for llama.cpp's llama-server (peer/): its rankings, the weights that
compute them, and a GGUF file that is valid and the same bytes every time. No build is needed."""
import math

import pytest

from peer import tiny_model
from peer.tiny_model import END_OF_TURN, SENTENCE_TOKENS

gguf = pytest.importorskip("gguf")
np = pytest.importorskip("numpy")

FILLER = ["Ċ", "Ġ", "ĠĠ", "assistant", "<|im_start|>", "tool_call", '":', "x", "1", "a"]
TOKENS = (FILLER + SENTENCE_TOKENS + [END_OF_TURN] + tiny_model.JSON_PREFERENCES + tiny_model.TOOL_CALL_OPENING
          + [">"])
ID = {text: i for i, text in enumerate(TOKENS)}
NEWLINE = ID["Ċ"]  # the last token of Qwen's generation prompt "<|im_start|>assistant\n"


def text(ids):
    return "".join(TOKENS[i] for i in ids)


def test_free_text_is_the_sentence_then_end_of_turn():
    design = tiny_model.design(TOKENS)
    assert text(tiny_model.walk(design, len(TOKENS), NEWLINE)) == "".join(SENTENCE_TOKENS)
    assert tiny_model.SENTENCE.endswith("\n7 words then a full stop.")  # "7" and "\n": stop sequences cut it


def test_under_a_grammar_the_shortest_valid_choice_wins():
    design = tiny_model.design(TOKENS)
    n = len(TOKENS)

    def only(*allowed_texts):
        allowed = {ID[t] for t in allowed_texts}
        return lambda out, token: token in allowed

    # json_object: `{` is the first JSON token the default state prefers, then `}` closes it at once
    assert tiny_model.walk(design, n, NEWLINE, only("{", "Ġ", "x"), limit=1) == [ID["{"]]
    assert tiny_model.walk(design, n, ID["{"], only("}", '"', "Ġ", "Ċ"), limit=1) == [ID["}"]]
    # a string value is empty: after an opening quote, a closing one
    assert tiny_model.walk(design, n, ID['"'], only('"', "x", "This", "Ġ"), limit=1) == [ID['"']]
    # numbers are 0, and whitespace is never chosen while anything else is allowed
    assert tiny_model.walk(design, n, ID[":"], only("0", "1", "Ġ", "Ċ"), limit=1) == [ID["0"]]
    # after a forced call's arguments, closing the tag beats a comma that would add another call
    assert tiny_model.walk(design, n, ID["}"], only(",", "</", "Ġ"), limit=1) == [ID["</"]]
    # when end-of-turn is not allowed after the sentence (a forced tool call), "<tool_call>\n" follows
    last = ID[SENTENCE_TOKENS[-1]]
    opening = tiny_model.walk(design, n, last, lambda out, t: t != ID[END_OF_TURN], limit=4)
    assert text(opening) == "<tool_call>Ċ"


def test_gaps_make_sampling_greedy_yet_leave_logit_bias_its_effect():
    design = tiny_model.design(TOKENS)
    for state in design.states:
        values = sorted(tiny_model.logits(design, state, len(TOKENS)), reverse=True)
        # min-p 0.05 (llama.cpp's default) keeps only the top token: every other is below top - ln 20
        assert values[0] - values[1] > math.log(20)
        # a +100 logit_bias on any token outranks the top one, as on a real model
        assert values[0] - min(values) < 100 + tiny_model.WHITESPACE_LOGIT + 10


def forward(weights, token):
    """The model's computation for one token, attention and feed-forward contributing nothing."""
    hidden = weights["token_embd.weight"][token]
    normed = hidden / np.sqrt(np.mean(hidden ** 2) + 1e-5) * weights["output_norm.weight"]
    return weights["output.weight"] @ normed


def test_the_weights_compute_the_rankings():
    design = tiny_model.design(TOKENS)
    weights = tiny_model.tensors(design, len(TOKENS))
    for token in range(len(TOKENS)):
        expected = tiny_model.logits(design, design.state_of(token), len(TOKENS))
        assert np.allclose(forward(weights, token), expected, rtol=1e-3, atol=1e-3)  # up to the norm's epsilon
    for name in ("attn_output", "ffn_down"):
        assert not weights[f"blk.0.{name}.weight"].any()


def vocab_file(path):
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(TOKENS)
    writer.add_token_types([3 if t.startswith("<|") else 1 for t in TOKENS])
    writer.add_token_merges(["Ġ Ġ"])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_the_model_file_is_valid_gguf_and_the_same_bytes_every_time(tmp_path):
    from peer.llama_cpp import write_model

    vocab = vocab_file(tmp_path / "vocab.gguf")
    first = write_model(vocab, "{{ messages }}", tmp_path / "a.gguf").read_bytes()
    second = write_model(vocab, "{{ messages }}", tmp_path / "b.gguf").read_bytes()
    assert first == second
    model = gguf.GGUFReader(tmp_path / "a.gguf")
    assert model.fields["general.architecture"].contents() == "llama"
    assert model.fields["tokenizer.chat_template"].contents() == "{{ messages }}"
    assert model.fields["tokenizer.ggml.eos_token_id"].contents() == ID[END_OF_TURN]
    assert model.fields["tokenizer.ggml.tokens"].contents() == TOKENS
    shapes = {t.name: tuple(int(x) for x in t.shape) for t in model.tensors}
    assert shapes["token_embd.weight"] == (tiny_model.EMBEDDING, len(TOKENS))  # GGUF lists columns first
    assert shapes["output.weight"] == (tiny_model.EMBEDDING, len(TOKENS))
