"""Word-recall cases against a chat template that swaps its default system prompt for the first
system or developer turn: a prompt count that happens to match is not a dropped message."""
import pytest
from fake_servers import DefaultSystemPromptTemplate, serve


@pytest.fixture
def template_server():
    url, stop = serve(DefaultSystemPromptTemplate)
    yield url
    stop()


def test_a_message_whose_count_coincides_with_the_default_system_prompt_is_not_called_dropped(suite,
                                                                                               template_server):
    run = suite.run("--mode", "live", "--target", "qwenish", "--base-url", template_server, "--models=m1",
                    "--sdk", "python", "-k", "developer-role or system-many or messages",
                    env={"OPENAI_API_KEY": "k-123456"})
    verdicts = run.verdicts()
    # every turn arrived (a longer one shows in the count); the weak model shows nothing more
    for row in ("requests.developer-role", "requests.system-many", "core.messages"):
        assert verdicts[(row, "m1")] == {"inconclusive"}, run.output
