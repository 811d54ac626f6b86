// A Next.js route handler written against OpenAI, being moved to Heroku Managed Inference.
import OpenAI from "openai";

const openai = new OpenAI({
  apiKey: process.env.INFERENCE_KEY,
  baseURL: `${process.env.INFERENCE_URL}/v1`,
});

export async function POST(req: Request) {
  const { messages } = await req.json();
  // Not a call: openai.chat.completions.create({ model: "gpt-4o-mini" }) in a comment is skipped.
  const completion = await openai.chat.completions.create({
    model: "claude-4-5-sonnet",
    messages,
    max_tokens: 1024,
    temperature: 0.7,
    stream: true,
    stream_options: { include_usage: true },
  });
  return new Response(completion.toReadableStream());
}

export async function classify(text: string) {
  const result = await openai.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "Classify the sentiment." },
      { role: "user", content: text },
    ],
    response_format: { type: "json_schema" as const, json_schema: { name: "sentiment", schema: sentimentSchema } },
    logit_bias: { "1234": 5 },
    seed: 42,
  });
  return JSON.parse(result.choices[0].message.content ?? "{}");
}

export function weatherTool(city: string) {
  return openai.chat.completions.create({
    model: 'nova-pro',
    messages: [{ role: 'user', content: `What is the weather in ${city}?` }],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    tool_choice: 'required',
    parallel_tool_calls: false,
  });
}
