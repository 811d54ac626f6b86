"""The model table's vision column: does an image in a user message reach the model?

The probe sends a PNG of one colour the suite made itself (conformance/images.py) as a base64 data
URL with "What colour is this image?"; the step `other` sends a second image of another colour, and
`control` the question without any image. What each outcome means:

- each image's answer names its own colour: the model sees images (HONOURED);
- the answer says it sees no image, both images get the same answer, or the answer is the one given
  without an image: the image did not reach the model (IGNORED: agrees on a ✗ model, differs on ✓);
- the images are refused with a 4xx while the question alone is answered: REJECTED (a ✗ model may);
  refused without the image too, the model itself is (the runner's baseline request tells);
- the two images get different answers, each naming a colour that is not its own: the image reaches
  the model, wrongly decoded (e.g. red and blue swapped): ERROR, a difference on any row;
- no colour named at all, or only one of the two: a model too weak to tell, UNCLEAR, never a guess.
"""
import re

from ..exchange import Exchange, clip
from ..findings import ERROR, HONOURED, IGNORED, REJECTED, UNCLEAR, Finding
from ..verdicts import NOT_ABOUT_THE_CLAIM
from .common import answered, spent_before_answering
from .registry import check

# Words a model may use for each colour the probes use, and for the colours a wrong answer may name.
COLOUR_WORDS = {
    "red": {"red", "reddish", "crimson", "scarlet", "vermilion", "cherry", "ruby"},
    "blue": {"blue", "bluish", "navy", "azure", "cobalt", "sapphire", "ultramarine"},
    "green": {"green", "greenish", "lime", "emerald"},
    "yellow": {"yellow", "gold", "golden"},
    "orange": {"orange"},
    "purple": {"purple", "violet", "magenta", "indigo"},
    "pink": {"pink"},
    "cyan": {"cyan", "teal", "turquoise", "aqua"},
    "black": {"black"},
    "white": {"white"},
    "grey": {"grey", "gray"},
    "brown": {"brown"},
}
WORD = re.compile(r"[a-z]+")
# What a model says when no image reached it.
NO_IMAGE = re.compile(r"(can ?not|can't|unable to|don't|do not|not able to|could ?n[o']t) (see|view|access|process|"
                      r"analy[sz]e|read)( the| any| an)? (image|picture)"
                      r"|(is|was|see) no (image|picture)|no (image|picture|attachment)( was| has been| is)? "
                      r"(attached|provided|shared|included|visible)", re.IGNORECASE)


def colours_named(text: str) -> set[str]:
    words = set(WORD.findall(text.lower()))
    return {colour for colour, synonyms in COLOUR_WORDS.items() if words & synonyms}


def names_only(text: str, colour: str, not_colour: str) -> bool:
    """The answer names the image's colour, and not the other image's ("red, not blue" is no answer)."""
    named = colours_named(text)
    return colour in named and not_colour not in named


def same_answer(a: str, b: str) -> bool:
    return " ".join(WORD.findall(a.lower())) == " ".join(WORD.findall(b.lower()))


def refused_image(refused: Finding, control: Exchange, colour: str) -> Finding:
    """A 4xx to the image: it says so only when the same question without the image is answered."""
    if refused.status in NOT_ABOUT_THE_CLAIM or (refused.status or 0) >= 500:
        return refused
    if control.ok:
        return Finding(REJECTED, f"{refused.reason}; the question without an image is answered", refused.status)
    # Refused without the image too: the runner's baseline request then tells whether the model is.
    return Finding(REJECTED, f"{refused.reason}, and so was the question without an image (HTTP "
                             f"{control.status}): the refusal is not about the image", refused.status)


@check
def image_colour_named(probe: Exchange, other: Exchange, control: Exchange, colour: str, other_colour: str) -> Finding:
    """Two solid-colour images each get an answer naming their own colour.

    Sample: "both images got the same answer 'Hello! This is the reference server. You said: What colour…':
    the image did not reach the model"
    """
    for ex, own in ((probe, colour), (other, other_colour)):
        found = answered(ex, f"the request with a {own} image")
        if found is not None:
            return refused_image(found, control, own) if found.observed == REJECTED else found
        if spent := spent_before_answering(ex, f"the {own} image"):
            return spent
    first, second = probe.text, other.text
    said = f"the {colour} image got {clip(first, 60)}, the {other_colour} one {clip(second, 60)}"
    if names_only(first, colour, other_colour) and names_only(second, other_colour, colour):
        return Finding(HONOURED, f"each image's colour is named: {said}")
    blind = NO_IMAGE.search(first) or NO_IMAGE.search(second)
    if blind:
        return Finding(IGNORED, f"the answer says no image was seen ({blind.group(0)!r}): {said}")
    if same_answer(first, second):
        return Finding(IGNORED, f"both images got the same answer {clip(first, 60)}: the image did not reach the "
                                "model")
    if control.ok and same_answer(first, control.text):
        return Finding(IGNORED, f"the {colour} image got the answer the question gets without any image "
                                f"({clip(first, 60)}): the image did not reach the model")
    named_first, named_second = colours_named(first), colours_named(second)
    if named_first and named_second and colour not in named_first and other_colour not in named_second:
        return Finding(ERROR, f"each image got its own answer, but neither names its colour: {said} (the image "
                              "reaches the model wrongly decoded)")
    return Finding(UNCLEAR, f"the answers do not name both colours: {said} (a model too weak to tell)")


@check
def unusable_image_url(probe: Exchange, other: Exchange, control: Exchange) -> Finding:
    """An image URL that is not there (404) and one that is not an image (text/plain): a clear 4xx to
    each, while the question alone is answered, is what a careful API does (HONOURED); an answer as if
    no image had been sent is IGNORED; a 5xx or a malformed answer is ERROR. The row is observed
    (Unstated): this records what happens, never judges it.

    Sample: "both refused with HTTP 400: 'image URL http://127.0.0.1:47113/no-such-image.png could not be
    fetched: HTTP 404' / '… is not a PNG or JPEG image (text/plain)'"
    """
    if control_problem := answered(control, "the question without an image"):
        return Finding(UNCLEAR, f"{control_problem.reason}: nothing to compare with")
    seen = []
    for ex, what in ((probe, "a missing image"), (other, "a text file as an image")):
        found = answered(ex, f"the request with {what}")
        if found is not None and found.observed == REJECTED:
            if (found.status or 0) >= 500:
                return Finding(ERROR, f"{what}: {found.reason}: a server error, not a clean refusal", found.status)
            if found.status in NOT_ABOUT_THE_CLAIM:
                return found
            seen.append(("refused", found.status, f"{what}: HTTP {found.status} {clip(ex.error_message, 100)}"))
        elif found is not None:
            return found
        else:
            seen.append(("answered", ex.status, f"{what}: answered {clip(ex.text, 60)}"))
    said = "; ".join(text for _, _, text in seen)
    if all(kind == "refused" for kind, _, _ in seen):
        return Finding(HONOURED, f"each unusable URL is refused with a 4xx: {said}", seen[0][1])
    return Finding(IGNORED, f"an unusable image URL is answered as if no image were sent: {said}")
