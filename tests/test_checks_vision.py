"""The vision check on hand-built exchanges: servers that drop or refuse images, models that name
the colour in unusual words, and models too weak to name any colour; the suite's own PNG encoder
and the reference server's decoder."""
import base64
from pathlib import Path

import pytest
import yaml

from conformance import checks
from conformance.exchange import Exchange
from conformance.findings import ERROR, HONOURED, IGNORED, REJECTED, UNANSWERED, UNCLEAR
from conformance.images import data_url, solid_png
from conformance.verdicts import AGREES, DIFFERS, INCONCLUSIVE, judge
from reference_server.vision import decode_png, describe

ROOT = Path(__file__).resolve().parent.parent
RED, BLUE = (255, 0, 0), (0, 0, 255)


def answer(text, status=200):
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}
    return Exchange(request={"model": "m", "messages": []}, status=status, body=body)


def refused(status=400, body=None):
    body = body if body is not None else {"error": {"message": "model 'm' does not support image input",
                                                    "type": "invalid_request_error", "code": status}}
    return Exchange(request={"model": "m", "messages": []}, status=status, body=body)


def judged(red, blue, control=None):
    found = checks.image_colour_named(red, blue, control or answer("I don't see an image."), colour="red",
                                      other_colour="blue")
    return found, judge("works-on-this-model", found)[0], judge("not-supported", found)[0]


# --- what breaks the claim ----------------------------------------------------------------------

def test_images_dropped_silently_are_ignored_differs_on_a_vision_model_agrees_on_one_without():
    same = "Hello! This is the reference server. You said: What colour is this image?"
    found, with_vision, without = judged(answer(same), answer(same), answer(same))
    assert found.observed == IGNORED and "same answer" in found.reason
    assert (with_vision, without) == (DIFFERS, AGREES)


def test_an_answer_that_says_it_sees_no_image_is_ignored():
    found, with_vision, _ = judged(answer("I cannot see any image in your message."), answer("Grey"))
    assert found.observed == IGNORED and with_vision == DIFFERS


def test_the_answer_the_question_gets_without_an_image_is_ignored():
    # the two image answers differ a little (temperature-0 noise), but the red one is the text-only answer
    found, _, _ = judged(answer("Blue."), answer("Probably blue, I think."), control=answer("blue"))
    assert found.observed == IGNORED and "without any image" in found.reason


def test_a_model_without_vision_that_sees_images_differs():
    found, with_vision, without = judged(answer("Red"), answer("Blue"))
    assert found.observed == HONOURED and (with_vision, without) == (AGREES, DIFFERS)


def test_colours_named_but_swapped_are_an_error_on_every_row():
    found, with_vision, without = judged(answer("Blue"), answer("Red"), control=answer("Green"))
    assert found.observed == ERROR and "wrongly decoded" in found.reason
    assert (with_vision, without) == (DIFFERS, DIFFERS)


def test_a_server_error_on_an_image_is_never_a_clean_refusal():
    found, _, without = judged(refused(500, {"error": {"message": "Failed to execute chat"}}), answer("Blue"))
    assert found.observed == REJECTED and found.status == 500 and without == DIFFERS


# --- unusual but valid ----------------------------------------------------------------------------

@pytest.mark.parametrize("red, blue", [
    ("Red.", "Blue."), ("It's red", "It is blue"), ("Crimson", "Navy"), ("RED", "blue!"),
    ("The image is a solid red square.", "A plain, bright blue colour fills the image."),
])
def test_the_colour_in_other_words_is_honoured(red, blue):
    found, with_vision, _ = judged(answer(red), answer(blue))
    assert found.observed == HONOURED and with_vision == AGREES, found.reason


def test_a_refusal_in_a_non_openai_body_agrees_on_a_model_without_vision():
    fastapi = refused(422, {"detail": [{"loc": ["body", "messages", 0, "content"], "msg": "images unsupported"}]})
    found, with_vision, without = judged(fastapi, refused(), control=answer("I don't see an image."))
    assert found.observed == REJECTED and "without an image is answered" in found.reason
    assert (with_vision, without) == (DIFFERS, AGREES)


# --- too weak, or nothing to tell -------------------------------------------------------------------

@pytest.mark.parametrize("red, blue", [
    ("A square.", "An image."),                 # no colour named at all
    ("Red", "Hmm, hard to say."),               # one colour named, not the other
    ("Red and blue", "Blue and red"),           # both colours each time: no answer
])
def test_a_weak_model_is_unclear_never_a_guess(red, blue):
    found, with_vision, without = judged(answer(red), answer(blue))
    assert found.observed == UNCLEAR and with_vision == without == INCONCLUSIVE, found.reason


def test_a_refusal_of_the_question_itself_says_nothing_about_images():
    found, _, _ = judged(refused(), refused(), control=refused(400, {"error": {"message": "max_tokens too large"}}))
    # the runner then sends its baseline request: refused too, the model itself is refused
    assert found.observed == REJECTED and "not about the image" in found.reason


def test_no_answer_and_throttling_are_not_judged():
    silent = Exchange(request={}, transport_error="ConnectTimeout")
    assert judged(silent, answer("Blue"))[0].observed == UNANSWERED
    found, with_vision, without = judged(refused(429, {"error": {"message": "slow down"}}), answer("Blue"))
    assert with_vision == without == INCONCLUSIVE


# --- the images themselves -------------------------------------------------------------------------

def test_the_case_file_sends_exactly_the_images_the_suite_makes():
    case = yaml.safe_load((ROOT / "cases" / "vision.yaml").read_text())["cases"][0]
    red = case["request"]["messages"][0]["content"][1]["image_url"]["url"]
    blue = case["steps"][0]["overrides"]["messages"][0]["content"][1]["image_url"]["url"]
    assert (red, blue) == (data_url(solid_png(RED)), data_url(solid_png(BLUE)))
    assert case["expect"] == {"colour": "red", "other_colour": "blue"}


def test_the_png_encoder_round_trips_through_the_reference_decoder():
    png = solid_png((10, 200, 30), width=5, height=3)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert decode_png(png) == [(10, 200, 30)] * 15
    assert describe(data_url(solid_png(RED))) == "Red." and describe(data_url(solid_png(BLUE))) == "Blue."


def test_the_reference_decoder_reads_every_row_filter_and_refuses_what_it_cannot_read():
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    # two RGBA pixels a row, rows with filters sub, up, average and paeth; every pixel (200, 20, 20)
    rows = [b"\x01" + bytes([200, 20, 20, 255, 0, 0, 0, 0]),
            b"\x02" + bytes(8),
            b"\x03" + bytes([100, 10, 10, 128, 0, 0, 0, 0]),
            b"\x04" + bytes(8)]
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 4, 8, 6, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))
    assert decode_png(png) == [(200, 20, 20)] * 8
    assert describe("data:image/png;base64," + base64.b64encode(png).decode()) == "Red."
    assert describe("https://example.com/red.png") == "I cannot read this image."
    assert describe("data:image/png;base64,bm90IGEgcG5n") == "I cannot read this image."


# --- JPEG: the suite's own encoder, checked by Pillow and by the reference server's decoder -----------

def test_the_jpeg_case_sends_exactly_the_jpegs_the_suite_makes():
    from conformance.images import solid_jpeg

    case = next(c for c in yaml.safe_load((ROOT / "cases" / "vision.yaml").read_text())["cases"]
                if c["id"] == "vision-colour-jpeg")
    red = case["request"]["messages"][0]["content"][1]["image_url"]["url"]
    blue = case["steps"][0]["overrides"]["messages"][0]["content"][1]["image_url"]["url"]
    assert (red, blue) == (data_url(solid_jpeg(RED)), data_url(solid_jpeg(BLUE)))
    assert red.startswith("data:image/jpeg;base64,/9j/")
    assert case["expect"] == {"colour": "red", "other_colour": "blue"}


@pytest.mark.parametrize("rgb, size", [(RED, (64, 64)), (BLUE, (64, 64)), ((10, 200, 30), (13, 9)),
                                       ((255, 255, 255), (8, 8)), ((0, 0, 0), (17, 40))])
def test_pillow_decodes_the_suite_jpegs_to_their_colour(rgb, size):
    image_module = pytest.importorskip("PIL.Image")
    import io

    from conformance.images import solid_jpeg

    image = image_module.open(io.BytesIO(solid_jpeg(rgb, *size)))
    image.load()  # a corrupt or short entropy-coded segment raises here
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", size)
    pixels = {image.getpixel((x, y)) for x in range(size[0]) for y in range(size[1])}
    assert len(pixels) == 1  # one flat colour, every block alike
    assert all(abs(a - b) <= 2 for a, b in zip(pixels.pop(), rgb, strict=True))  # YCbCr rounding only


def test_the_reference_decoder_reads_the_suite_jpegs():
    from conformance.images import solid_jpeg
    from reference_server.jpeg import decode_jpeg

    colours = decode_jpeg(solid_jpeg((10, 200, 30), 24, 16))  # every bit read, the end marker next
    assert len(colours) == 6 and all(abs(a - b) <= 2 for c in colours for a, b in zip(c, (10, 200, 30), strict=True))
    assert describe(data_url(solid_jpeg(RED))) == "Red." and describe(data_url(solid_jpeg(BLUE))) == "Blue."
    # the switch that makes JPEG unreadable leaves PNG alone
    broken = frozenset({"vision-jpeg"})
    assert describe(data_url(solid_jpeg(RED)), broken) == "I cannot read this image."
    assert describe(data_url(solid_png(RED)), broken) == "Red."


@pytest.mark.parametrize("options", [{"quality": 75}, {"quality": 95, "subsampling": 0},
                                     {"quality": 50, "subsampling": 2, "restart_marker_blocks": 1}])
def test_the_reference_decoder_reads_real_encoders_jpegs(options):
    """Pillow's (libjpeg's) JPEGs, with AC terms, 4:2:0 subsampling and restart markers: the server
    honours real images, not the suite's bytes."""
    image_module = pytest.importorskip("PIL.Image")
    import io

    from reference_server.jpeg import decode_jpeg

    image = image_module.new("RGB", (64, 48), RED)
    image.paste(BLUE, (0, 0, 64, 16))  # a third blue, two thirds red
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    url = "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()
    assert describe(url) == "Red."
    top_left = decode_jpeg(out.getvalue())[0]
    assert top_left[2] > 200 and top_left[0] < 60  # blue where the image is blue
    grey = io.BytesIO()
    image_module.new("L", (20, 20), 250).save(grey, "JPEG")
    assert describe("data:image/jpeg;base64," + base64.b64encode(grey.getvalue()).decode()) == "White."


def test_the_reference_decoder_refuses_what_it_cannot_read():
    from conformance.images import solid_jpeg

    progressive = bytearray(solid_jpeg(RED))
    at = progressive.index(b"\xff\xc0")
    progressive[at + 1] = 0xC2  # the same frame, declared progressive
    for data in (bytes(progressive), b"\xff\xd8\xff\xd9", solid_jpeg(RED)[:-40], b"not a jpeg"):
        assert describe("data:image/jpeg;base64," + base64.b64encode(data).decode()) == "I cannot read this image."
