"""A support assistant written against OpenAI, being moved to Heroku Managed Inference."""
import base64
import os

from openai import OpenAI
from pydantic import BaseModel

client = OpenAI(api_key=os.getenv("INFERENCE_KEY"), base_url=os.getenv("INFERENCE_URL") + "/v1")
MODEL = os.getenv("INFERENCE_MODEL_ID", "claude-4-5-sonnet")


class Ticket(BaseModel):
    title: str
    priority: int


def answer(question: str) -> str:
    response = client.chat.completions.create(
        model="claude-4-5-sonnet",
        messages=[{"role": "system", "content": "You answer billing questions."},
                  {"role": "user", "content": question}],
        max_tokens=500,
        temperature=0.2,
    )
    return response.choices[0].message.content


def alternatives(question: str) -> list[str]:
    response = client.chat.completions.create(
        model="claude-4-5-haiku",
        messages=[{"role": "user", "content": question}],
        n=3,
        frequency_penalty=0.5,
    )
    return [choice.message.content for choice in response.choices]


def describe(path: str) -> str:
    image = base64.b64encode(open(path, "rb").read()).decode()
    response = client.chat.completions.create(
        model="claude-4-5-haiku",
        messages=[{"role": "user", "content": [
            {"type": "text", "text": "What does this screenshot show?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image}"}},
        ]}],
    )
    return response.choices[0].message.content


def think(question: str) -> str:
    response = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": question}],
        extra_body={"extended_thinking": {"enabled": True, "budget_tokens": 2048, "include_reasoning": True}},
    )
    return response.choices[0].message.content


def triage(text: str) -> Ticket:
    completion = client.beta.chat.completions.parse(
        model="claude-4-5-sonnet",
        messages=[{"role": "user", "content": text}],
        response_format=Ticket,
    )
    return completion.choices[0].message.parsed


def stream_reply(history: list[dict]):
    with client.chat.completions.stream(model="claude-4-5-sonnet", messages=history,
                                        stream_options={"include_usage": True}) as stream:
        yield from stream
