"""A tiny deterministic model for llama-server, with hand-set weights.

The model is a bigram table: the next token depends only on the current one. Its single layer's
attention and feed-forward outputs are zero, so the residual stream (after the final RMS norm)
carries only the current token's code: a constant "bias" dimension plus a one-hot dimension for its
*state*. Each token of the fixed sentence, the quote and the pieces of "<tool_call>" have a state of
their own; every other token shares the default state. The output matrix gives each state a
*ranking*: the first token has the top logit, the next ones a little less, and every token outside
the ranking far less (whitespace lowest of all).

Free text: from any prompt the default state's first choice starts the sentence, each sentence
token's first choice is its successor, and the last one's is end-of-turn. Under a grammar (JSON
modes, tool calls) llama.cpp masks what the grammar forbids and the ranking decides among the rest:
after `{` it prefers `}` (json_object gives `{}`), after a quote a quote (strings are ""), a number
is `0`, an array `[]`; a forced tool call may follow the sentence as content, so the last token's
second choice starts "<tool_call>", and after a call `</` closes it rather than `,` adding another;
end-of-turn comes as soon as the grammar allows it. Whitespace is never chosen where anything else
is allowed, so nothing loops until max_tokens.

Logit gaps are wide enough that min-p (default 0.05) keeps only the top token at any temperature,
yet narrow enough (top minus unranked < 100) that a logit_bias of +100 on any token still wins, as
it would on a real model.
"""
from __future__ import annotations

from dataclasses import dataclass

# The answer, as Qwen2's tokenizer splits it (byte-level BPE: Ġ is a space, Ċ a newline). It holds a
# digit and a newline so that the suite's stop sequences ("7", "\n") have something to cut.
SENTENCE_TOKENS = ["This", "Ġtiny", "Ġmodel", "Ġgives", "Ġthe", "Ġsame", "Ġshort", "Ġanswer", "Ġto", "Ġevery",
                   "Ġquestion", ":Ċ", "7", "Ġwords", "Ġthen", "Ġa", "Ġfull", "Ġstop", "."]
SENTENCE = "".join(SENTENCE_TOKENS).replace("Ġ", " ").replace("Ċ", "\n")
END_OF_TURN = "<|im_end|>"
# What a grammar may leave open, in order of preference: close (an object, an array, a tool call: the
# grammar of a forced call allows more calls inside one tag, after a comma), then the shortest value.
JSON_PREFERENCES = ["}", "]", "</", '"', "0", "true", "null", "{", "[", ",", ":"]
# "<tool_call>\n" in Qwen2's vocabulary. A tool call llama.cpp forces may follow free text, so the
# sentence's last token leads here when end-of-turn is not allowed yet.
TOOL_CALL_OPENING = ["<", "tool", "_call", ">Ċ"]
WHITESPACE_CHARS = set("ĠĊĉč")  # byte-level BPE spellings of space, \n, \t, \r

EMBEDDING = 32          # dimensions: 0 is the bias, then one per state (the default state first)
TOP_LOGIT_GAP = 5.0     # between neighbours in a ranking
RANKED_FLOOR = 20.0     # the last ranked token, above every unranked one (at 0)
WHITESPACE_LOGIT = -10.0


@dataclass(frozen=True)
class Design:
    """The states and their rankings, as token ids of a given vocabulary."""
    sentence: list[int]
    rankings: dict[int | None, list[int]]   # a token with a state of its own (None: every other) -> ranking
    whitespace: list[int]

    @property
    def states(self) -> list[int | None]:
        return list(self.rankings)

    @property
    def end(self) -> int:
        return self.rankings[None][1]

    def state_of(self, token: int) -> int | None:
        return token if token in self.rankings else None


def design(tokens: list[str], sentence: list[str] = SENTENCE_TOKENS) -> Design:
    index = {text: i for i, text in enumerate(tokens)}
    needed = sentence + [END_OF_TURN] + JSON_PREFERENCES + TOOL_CALL_OPENING + [">"]
    missing = [t for t in needed if t not in index]
    if missing:
        raise ValueError(f"the vocabulary has no single token for {missing}")
    ids = {t: index[t] for t in needed}
    chain = [ids[t] for t in sentence]
    end, quote, json_prefs = ids[END_OF_TURN], ids['"'], [ids[t] for t in JSON_PREFERENCES]
    opening = [ids[t] for t in TOOL_CALL_OPENING]
    own = chain + [quote] + opening[:-1]
    if len(set(own)) != len(own) or set(chain) & (set(json_prefs) | {end}) or len(own) + 2 > EMBEDDING:
        raise ValueError("the sentence's tokens must be distinct, and none of JSON's or the tool-call tag's")

    def then(*first: int) -> list[int]:
        return list(first) + [t for t in [end] + json_prefs if t not in first]

    rankings: dict[int | None, list[int]] = {None: then(chain[0], end)}
    for position, token in enumerate(chain[:-1]):
        rankings[token] = then(chain[position + 1])
    rankings[chain[-1]] = then(end, opening[0])
    rankings[quote] = then(quote)                   # a string value is empty: ""
    rankings[opening[0]] = then(opening[1])
    rankings[opening[1]] = then(opening[2])
    rankings[opening[2]] = then(opening[3], ids[">"])
    whitespace = [i for i, t in enumerate(tokens) if t and set(t) <= WHITESPACE_CHARS]
    return Design(chain, rankings, whitespace)


def logits(d: Design, state: int | None, vocab_size: int) -> list[float]:
    """What the model outputs in a state (the tensors below compute exactly this, up to float error)."""
    values = [0.0] * vocab_size
    for token in d.whitespace:
        values[token] = WHITESPACE_LOGIT
    ranking = d.rankings[state]
    for rank, token in enumerate(ranking):
        values[token] = RANKED_FLOOR + TOP_LOGIT_GAP * (len(ranking) - 1 - rank)
    return values


def tensors(d: Design, vocab_size: int, feed_forward: int = EMBEDDING) -> dict:
    """The model's weights as numpy arrays in GGUF's (rows, columns) order, one layer of llama."""
    import numpy as np

    n = EMBEDDING
    dimension = {state: i + 1 for i, state in enumerate(d.states)}   # the default state (None) is first
    embed = np.zeros((vocab_size, n), dtype=np.float32)
    embed[:, 0] = 1.0
    embed[:, dimension[None]] = 1.0
    for state in d.states[1:]:
        embed[state, dimension[None]] = 0.0
        embed[state, dimension[state]] = 1.0
    # RMS norm (weight 1) scales a two-hot vector by sqrt(n/2); the output matrix undoes that.
    gain = float(np.sqrt(n / 2))
    output = np.zeros((vocab_size, n), dtype=np.float32)
    output[d.whitespace, 0] = WHITESPACE_LOGIT / gain
    for state, ranking in d.rankings.items():
        for rank, token in enumerate(ranking):
            # A ranked token's logit replaces the whitespace bias it may carry in dimension 0.
            target = RANKED_FLOOR + TOP_LOGIT_GAP * (len(ranking) - 1 - rank)
            output[token, dimension[state]] = (target - output[token, 0] * gain) / gain
    zeros, ones = (lambda *shape: np.zeros(shape, dtype=np.float32)), np.ones(n, dtype=np.float32)
    return {
        "token_embd.weight": embed,
        "blk.0.attn_norm.weight": ones,
        "blk.0.attn_q.weight": zeros(n, n),
        "blk.0.attn_k.weight": zeros(n, n),
        "blk.0.attn_v.weight": zeros(n, n),
        "blk.0.attn_output.weight": zeros(n, n),
        "blk.0.ffn_norm.weight": ones,
        "blk.0.ffn_gate.weight": zeros(feed_forward, n),
        "blk.0.ffn_up.weight": zeros(feed_forward, n),
        "blk.0.ffn_down.weight": zeros(n, feed_forward),
        "output_norm.weight": ones,
        "output.weight": output,
    }


def walk(d: Design, vocab_size: int, start: int, allowed=lambda text, token: True, limit: int = 64) -> list[int]:
    """Greedy generation as llama.cpp does it: the top logit among the tokens `allowed` lets through."""
    out, current, end = [], start, d.end
    for _ in range(limit):
        values = logits(d, d.state_of(current), vocab_size)
        candidates = [t for t in sorted(range(vocab_size), key=lambda t: -values[t]) if allowed(out, t)]
        if not candidates:
            break
        current = candidates[0]
        if current == end:
            break
        out.append(current)
    return out
