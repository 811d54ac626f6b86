"""Images by URL: the suite's own loopback image host, the cases that send its URLs (judged on the
vision column like the base64 ones), what an unusable URL gets (observed), and a remote target with
no image host (not covered, with the reason, never a guess)."""
import urllib.error
import urllib.request

import pytest
from conftest import ROOT

from conformance import checks
from conformance.errors import ConformanceError
from conformance.exchange import Exchange
from conformance.findings import ERROR, HONOURED, IGNORED, UNCLEAR
from conformance.image_host import IMAGES, PLACEHOLDER, ImageHost, fill, uses_images_by_url
from conformance.images import solid_jpeg, solid_png


@pytest.fixture
def host():
    served = ImageHost(port=0)
    yield served
    served.stop()


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.headers.get_content_type(), answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get_content_type(), err.read()


def test_the_host_serves_the_same_probes_as_the_base64_cases(host):
    assert fetch(f"{host.base_url}/red.png") == (200, "image/png", solid_png((255, 0, 0)))
    assert fetch(f"{host.base_url}/blue.jpg") == (200, "image/jpeg", solid_jpeg((0, 0, 255)))
    assert fetch(f"{host.base_url}/not-an-image.txt")[:2] == (200, "text/plain")
    assert fetch(f"{host.base_url}/no-such-image.png")[0] == 404


def test_a_second_host_on_the_same_port_reuses_the_first_and_anything_else_there_is_a_clear_error(host):
    port = host.server.server_address[1]
    again = ImageHost(port=port)  # another process of the same run: the images are already served
    assert again.server is None and again.base_url == host.base_url
    again.stop()
    other = ImageHost(port=0)
    busy = other.server.server_address[1]
    other.server.RequestHandlerClass = type("Other", (other.server.RequestHandlerClass,),
                                            {"do_GET": lambda self: self.send_error(500)})
    with pytest.raises(ConformanceError, match=f"127.0.0.1:{busy}.*--image-base-url"):
        ImageHost(port=busy)
    other.stop()


def test_placeholders_are_filled_everywhere_in_a_body():
    body = {"messages": [{"role": "user", "content": [{"type": "image_url",
                                                       "image_url": {"url": f"{PLACEHOLDER}/red.png"}}]}]}
    assert uses_images_by_url(body) and not uses_images_by_url(fill(body, "http://h/"))
    assert fill(body, "http://h/")["messages"][0]["content"][0]["image_url"]["url"] == "http://h/red.png"
    assert set(IMAGES) >= {"/red.png", "/blue.png", "/red.jpg", "/blue.jpg"}


def answer(text, status=200):
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}}
    return Exchange(request={"model": "m"}, status=status, body=body)


def refused(status, message="image URL could not be fetched: HTTP 404"):
    return Exchange(request={"model": "m"}, status=status,
                    body={"error": {"message": message, "type": "invalid_request_error", "code": status}})


def test_an_unusable_url_refused_cleanly_answered_anyway_or_a_server_error():
    control = answer("I see no image.")
    assert checks.unusable_image_url(refused(400), refused(422, "not an image"), control).observed == HONOURED
    ignored = checks.unusable_image_url(answer("Blue."), answer("Blue."), control)
    assert ignored.observed == IGNORED and "as if no image" in ignored.reason
    assert checks.unusable_image_url(refused(500), refused(400), control).observed == ERROR
    assert checks.unusable_image_url(refused(400), refused(400), refused(503)).observed == UNCLEAR


def test_a_remote_target_without_an_image_host_leaves_the_url_cases_not_covered_sending_nothing():
    from conformance.cases import load_cases
    from conformance.docs import load_docs
    from conformance.runner import NO_IMAGE_HOST, Runner

    docs = load_docs(ROOT / "cases" / "docs-tables.yaml")
    case = next(c for c in load_cases(ROOT / "cases", docs) if c.id == "vision-colour-url")

    class Unreachable:
        def send(self, *args, **kwargs):
            raise AssertionError("nothing may be sent")

    runner = Runner(Unreachable(), None, docs, "remote", "live", ROOT / "cassettes", "record", image_base_url=None)
    finding, exchanges = runner.probe(case, "claude-4-5-sonnet")
    assert (finding.observed, finding.reason, exchanges) == (UNCLEAR, NO_IMAGE_HOST, [])
    assert "--image-base-url" in NO_IMAGE_HOST
