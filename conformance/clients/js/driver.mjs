#!/usr/bin/env node
// Conformance driver for Node.js clients.
//
// Reads one JSON request plan per line on stdin, sends it through the chosen
// client ("openai-node" = the official `openai` package, "ai-sdk" = Vercel's
// `@ai-sdk/openai-compatible` driven by `ai`), and prints one JSON line per
// plan saying what the client made of the answer. See README.md for the
// protocol. stdout carries protocol lines only; diagnostics go to stderr.

import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Libraries may log with console.log; keep stdout for protocol lines.
for (const level of ['log', 'info', 'debug']) console[level] = console.error;
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

// A failure outside any line's handler must not kill a long-lived driver.
process.on('unhandledRejection', (err) => console.error('driver: unhandled rejection:', err));
process.on('uncaughtException', (err) => console.error('driver: uncaught exception:', err));

const CLIENTS = ['openai-node', 'ai-sdk'];
const WATCHDOG_GRACE_MS = 5000; // the clients' own timeouts should fire first
const HARD_STOP_MS = 5000; // after the watchdog's abort, how long a client may take to give up
const SNIPPET = 200; // longest excerpt of a chunk or a message quoted in `problem`

let lib; // the client libraries, imported in main() so a missing install is reported
// The plan being handled, for the fetch wrappers of the shared clients to read.
const currentLine = new AsyncLocalStorage();

// ---------------------------------------------------------------------------
// Small helpers

/** One line of text, at most `max` characters. */
function oneLine(text, max = 500) {
  const s = String(text ?? '').replace(/\s*\n\s*/g, ' ').trim();
  return s.length > max ? s.slice(0, max) + '…' : s;
}

function firstLine(text) {
  return oneLine(String(text ?? '').split('\n')[0]);
}

function excerpt(value) {
  let s;
  try {
    s = JSON.stringify(value);
  } catch {
    s = String(value);
  }
  return oneLine(s === undefined ? String(value) : s, SNIPPET);
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep equality of two JSON values, ignoring key order. */
function jsonEqual(a, b) {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Says how the JSON text `sent` differs from the planned `request` (top-level keys). */
function describeBodyDifference(sent, request) {
  let parsed;
  try {
    parsed = JSON.parse(sent);
  } catch {
    return 'the body sent is not JSON';
  }
  if (!isPlainObject(parsed)) return 'the body sent is not a JSON object';
  const added = Object.keys(parsed).filter((k) => !Object.hasOwn(request, k));
  const dropped = Object.keys(request).filter((k) => !Object.hasOwn(parsed, k));
  const changed = Object.keys(request).filter((k) => Object.hasOwn(parsed, k) && !jsonEqual(parsed[k], request[k]));
  return [
    added.length && `added ${added.join(', ')}`,
    dropped.length && `dropped ${dropped.join(', ')}`,
    changed.length && `changed ${changed.join(', ')}`,
  ].filter(Boolean).join('; ');
}

function bodyText(body) {
  if (typeof body === 'string') return body;
  // openai 4 hands bytes over as a DataView; later versions as the Uint8Array given.
  if (ArrayBuffer.isView(body) || body instanceof ArrayBuffer) return new TextDecoder().decode(body);
  return null; // streams, FormData...: cannot be checked without consuming them
}

/** `..` and a leading `/` resolve against base_url taken as a folder (see README). */
function resolvePath(baseURL, path) {
  const base = baseURL.endsWith('/') ? baseURL : baseURL + '/';
  return new URL(String(path).replace(/^\/+/, ''), base).toString();
}

/** Text of the last user message: the AI SDK needs a prompt, whose content is then replaced. */
function lastUserText(request) {
  const messages = Array.isArray(request?.messages) ? request.messages : [];
  const user = messages.filter((m) => m?.role === 'user').at(-1);
  const content = user?.content;
  const text = typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.filter((p) => p?.type === 'text' && typeof p.text === 'string').map((p) => p.text).join('\n')
      : '';
  return text || 'x';
}

/** Reasoning text from an assistant message or delta, in the shapes servers use. */
function reasoningText(message) {
  for (const key of ['reasoning_content', 'reasoning']) {
    const v = message?.[key];
    if (typeof v === 'string') return v;
    if (isPlainObject(v) && typeof v.thinking === 'string') return v.thinking;
  }
  return null;
}

/** Schema issues carried by an error or its causes: zod's `issues`, or (ai 5) the issue list as the cause. */
function schemaIssues(err) {
  for (let e = err, depth = 0; e && depth < 5; e = e.cause, depth += 1) {
    if (Array.isArray(e.issues)) return e.issues;
    if (Array.isArray(e) && e.every((i) => typeof i?.message === 'string')) return e;
  }
  return null;
}

function issueText(issue, prefix = []) {
  // Standard Schema paths may hold {key} objects instead of plain keys.
  const keys = (Array.isArray(issue?.path) ? issue.path : []).map((k) => (isPlainObject(k) ? k.key : k));
  const path = [...prefix, ...keys];
  // A union failed: the first alternative is the schema of a normal answer.
  const firstAlternative = issue?.code === 'invalid_union' ? issue.errors?.[0]?.[0] : undefined;
  if (firstAlternative) return issueText(firstAlternative, path);
  return `${path.length ? path.join('.') + ': ' : ''}${issue?.message ?? ''}`;
}

function errorClass(err) {
  if (err?.name && err.name !== 'Error') return err.name; // AI SDK errors: AI_APICallError...
  return err?.constructor?.name ?? typeof err;
}

/** "Class: what it said", on one line; validation errors say which fields failed. */
function describeError(err) {
  // Some AI SDK versions put the server's error object itself in an error part.
  if (!(err instanceof Error)) return oneLine(`${typeof err === 'object' && err !== null ? 'error object' : typeof err}: ${excerpt(err)}`, SNIPPET);
  const issues = schemaIssues(err);
  const what = issues?.length ? issues.slice(0, 3).map((i) => issueText(i)).join('; ') : firstLine(err?.message ?? err);
  return oneLine(`${errorClass(err)}: ${what}`, SNIPPET);
}

function pickUsage(u) {
  if (!isPlainObject(u)) return null;
  return { prompt_tokens: u.prompt_tokens ?? null, completion_tokens: u.completion_tokens ?? null, total_tokens: u.total_tokens ?? null };
}

function headerValue(headers, name) {
  if (!headers) return null;
  if (typeof headers.get === 'function') return headers.get(name) ?? null;
  return headers[name] ?? headers[name.toLowerCase()] ?? null;
}

function newView(client, sentBy = 'sdk') {
  return {
    client,
    sent_by: sentBy,
    outcome: 'returned',
    exception: null,
    request_id: null,
    http_status: null,
    problem: null,
    chunk_count: null,
    result: null,
  };
}

/** The HTTP facts the fetch wrappers saw: a client must send exactly one request. */
function finishView(view, line) {
  if (line.watchdogFired) {
    addProblem(view, `driver watchdog: the client had not finished after ${line.timeoutMs + WATCHDOG_GRACE_MS} ms (timeout_ms + ${WATCHDOG_GRACE_MS}) and was aborted by the driver`);
  }
  const calls = line.fetchCalls ?? 0;
  if (calls === 0) addProblem(view, 'the client sent no HTTP request');
  if (calls > 1) addProblem(view, `the client sent ${calls} HTTP requests instead of one`);
  view.http_status = line.httpStatus ?? null;
  return view;
}

/** Adds a sentence to `problem`, which stays one line. */
function addProblem(view, text) {
  view.problem = view.problem ? `${view.problem}; ${oneLine(text)}` : oneLine(text);
}

// ---------------------------------------------------------------------------
// Reading and checking a plan

class PlanError extends Error {}

function checkPlan(plan) {
  if (!isPlainObject(plan)) throw new PlanError('the line is not a JSON object');
  if (!CLIENTS.includes(plan.client)) throw new PlanError(`client must be one of ${CLIENTS.join(', ')}`);
  if (typeof plan.base_url !== 'string') throw new PlanError('base_url must be a string');
  try {
    new URL(plan.base_url);
  } catch {
    throw new PlanError(`base_url is not a URL: ${plan.base_url}`);
  }
  if (typeof plan.api_key !== 'string') throw new PlanError('api_key must be a string');
  const timeout = plan.timeout_ms ?? 60000;
  if (!Number.isInteger(timeout) || timeout <= 0) throw new PlanError('timeout_ms must be a positive integer');
  const headers = plan.headers ?? {};
  if (!isPlainObject(headers) || !Object.values(headers).every((v) => typeof v === 'string')) {
    throw new PlanError('headers must be an object of strings');
  }
  const transport = plan.transport ?? {};
  if (!isPlainObject(transport)) throw new PlanError('transport must be an object');
  const kind = 'raw_body' in transport ? 'raw_body' : 'path' in transport ? 'path' : 'chat';
  if (kind === 'raw_body' && typeof transport.raw_body !== 'string') throw new PlanError('transport.raw_body must be a string');
  if (kind === 'path') {
    if (typeof transport.path !== 'string') throw new PlanError('transport.path must be a string');
    if (!['GET', 'POST'].includes(transport.method ?? 'GET')) throw new PlanError('transport.method must be GET or POST');
  }
  const needsRequest = kind === 'chat' || (kind === 'path' && transport.method === 'POST');
  if (needsRequest && !isPlainObject(plan.request)) throw new PlanError('request must be a JSON object');
  return {
    client: plan.client,
    baseURL: plan.base_url,
    apiKey: plan.api_key,
    timeoutMs: timeout,
    headers,
    // The clients get a copy: what is sent is checked against the plan as it came.
    planned: plan.request,
    request: plan.request === undefined ? undefined : structuredClone(plan.request),
    kind,
    rawBody: transport.raw_body,
    path: transport.path,
    method: transport.method ?? 'GET',
  };
}

// ---------------------------------------------------------------------------
// openai-node

const openaiClients = new Map();

/** One client per (base_url, api_key): the driver is long-lived. Headers and timeouts go per request. */
function openaiClient(baseURL, apiKey) {
  const key = JSON.stringify([baseURL, apiKey]);
  if (!openaiClients.has(key)) {
    openaiClients.set(key, new lib.OpenAI({ baseURL, apiKey, maxRetries: 0, fetch: checkingFetch }));
  }
  return openaiClients.get(key);
}

/**
 * fetch for openai-node: refuses to send a body other than the planned one (so a
 * future SDK that edits bodies cannot silently break replay) and notes the status.
 */
async function checkingFetch(url, init = {}) {
  const line = currentLine.getStore();
  if (line?.expectedBody !== undefined) {
    const sent = bodyText(init.body);
    const same = typeof line.expectedBody === 'string'
      ? sent === line.expectedBody
      : sent !== null && (() => {
        try {
          return jsonEqual(JSON.parse(sent), line.expectedBody);
        } catch {
          return false;
        }
      })();
    if (!same) {
      line.bodyMismatch = typeof line.expectedBody === 'string'
        ? 'the raw body was not sent byte for byte'
        : sent === null ? 'the body was not sent as text' : describeBodyDifference(sent, line.expectedBody);
      throw new Error(`driver refused to send an altered body: ${line.bodyMismatch}`);
    }
  }
  if (line) line.fetchCalls = (line.fetchCalls ?? 0) + 1;
  // The harness's loopback server follows redirects as the Python SDK does: never around it.
  const response = await fetch(url, { ...init, redirect: 'manual' });
  if (line) {
    line.httpStatus = response.status;
    line.touch?.();
  }
  return response;
}

function openaiException(err) {
  return {
    class: err?.constructor?.name ?? typeof err,
    status: typeof err?.status === 'number' ? err.status : null,
    message: firstLine(err?.message ?? err),
    // `requestID` since openai 5; `request_id` in openai 4.
    request_id: err?.requestID ?? err?.request_id ?? headerValue(err?.headers, 'x-request-id') ?? null,
    cause: err?.cause ? describeError(err.cause) : null,
  };
}

function openaiToolCalls(toolCalls) {
  if (!Array.isArray(toolCalls)) return [];
  return toolCalls.map((tc) => ({
    id: tc?.id ?? null,
    name: tc?.function?.name ?? tc?.custom?.name ?? null,
    arguments: tc?.function?.arguments ?? tc?.custom?.input ?? null,
  }));
}

/** What a user of a non-streamed answer gets, in OpenAI's names. */
function summarizeCompletion(completion, view) {
  const choices = completion?.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    addProblem(view, `the answer has no choices: ${excerpt(completion)}`);
    return null;
  }
  const message = choices[0]?.message;
  if (!isPlainObject(message)) {
    addProblem(view, `choices[0] has no message object: ${excerpt(choices[0])}`);
    return null;
  }
  return {
    text: typeof message.content === 'string' ? message.content : null,
    finish_reason: choices[0].finish_reason ?? null,
    tool_calls: openaiToolCalls(message.tool_calls),
    usage: pickUsage(completion.usage),
    reasoning: reasoningText(message),
    message_fields: Object.keys(message).sort(),
  };
}

/** Assembles streamed chunks the way openai-node's own accumulator does. */
class ChunkAccumulator {
  constructor() {
    this.count = 0;
    this.text = null;
    this.reasoning = null;
    this.finishReason = null;
    this.usage = null;
    this.toolCalls = [];
    this.fields = new Set();
    this.choiceless = [];
  }

  add(chunk) {
    this.count += 1;
    if (chunk?.usage) this.usage = pickUsage(chunk.usage);
    if (!Array.isArray(chunk?.choices)) {
      this.choiceless.push({ n: this.count - 1, chunk }); // numbered from 0, as the harness numbers chunks
      return;
    }
    const choice = chunk.choices.find((c) => c?.index === 0) ?? chunk.choices[0];
    if (!choice) return; // e.g. the usage chunk, whose choices are empty
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    const delta = choice.delta;
    if (!isPlainObject(delta)) return;
    for (const key of Object.keys(delta)) this.fields.add(key);
    if (typeof delta.content === 'string') this.text = (this.text ?? '') + delta.content;
    const thought = reasoningText(delta);
    if (thought !== null) this.reasoning = (this.reasoning ?? '') + thought;
    for (const part of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) this.addToolCall(part);
  }

  addToolCall(part) {
    if (!isPlainObject(part)) return;
    const index = Number.isInteger(part?.index) ? part.index : this.toolCalls.length;
    const call = (this.toolCalls[index] ??= { id: null, name: null, arguments: '' });
    if (part.id) call.id = part.id;
    if (part.function?.name) call.name = part.function.name;
    if (typeof part.function?.arguments === 'string') call.arguments += part.function.arguments;
  }

  result() {
    return {
      text: this.text,
      finish_reason: this.finishReason,
      tool_calls: this.toolCalls.filter(Boolean),
      usage: this.usage,
      reasoning: this.reasoning,
      message_fields: [...this.fields].sort(),
    };
  }
}

/**
 * Feeds the chunks the user sees into the SDK's stream helper (ChatCompletionStream,
 * used by chat.completions.stream() and runTools) and resolves to its complaint, if any.
 * The chunks are copied as the plain iteration yields them rather than through
 * Stream.tee(): see README ("Why not tee()").
 */
function startStreamHelper() {
  let controller;
  const readable = new ReadableStream({ start: (c) => { controller = c; } });
  const runner = lib.ChatCompletionStream.fromReadableStream(readable);
  runner.on?.('error', () => {}); // the verdict below reports it
  const verdict = runner.finalChatCompletion().then(() => null, (err) => oneLine(err?.message ?? err));
  const encoder = new TextEncoder();
  const attempt = (fn) => {
    try {
      fn();
    } catch {
      // the helper already gave up and cancelled its input
    }
  };
  return {
    push: (chunk) => attempt(() => controller.enqueue(encoder.encode(JSON.stringify(chunk) + '\n'))),
    end: () => attempt(() => controller.close()),
    fail: (err) => attempt(() => controller.error(err)),
    verdict,
  };
}

async function openaiStream(client, line, options, view) {
  const { data: stream, response } = await client.chat.completions.create(line.request, options).withResponse();
  view.request_id = stream?._request_id ?? headerValue(response?.headers, 'x-request-id');
  const acc = new ChunkAccumulator();
  const helper = startStreamHelper();
  try {
    for await (const chunk of stream) {
      line.touch();
      acc.add(chunk);
      helper.push(chunk);
    }
  } catch (err) {
    helper.fail(err);
    view.outcome = 'raised';
    view.exception = openaiException(err);
    addProblem(view, `the stream raised after ${acc.count} chunks: ${view.exception.class}: ${view.exception.message}`);
  }
  view.chunk_count = acc.count;
  view.result = acc.result();
  if (acc.choiceless.length) {
    const [first] = acc.choiceless;
    const more = acc.choiceless.length > 1 ? ` (and ${acc.choiceless.length - 1} more)` : '';
    addProblem(view, `chunk ${first.n} as yielded has no choices array: ${excerpt(first.chunk)}${more}`);
  }
  if (view.outcome === 'returned' && !line.watchdogFired) {
    helper.end();
    const complaint = await helper.verdict;
    if (complaint) addProblem(view, `the SDK's stream helper (ChatCompletionStream) rejects the stream: ${complaint}`);
  }
}

async function runOpenAI(line, signal) {
  const view = newView('openai-node');
  const client = openaiClient(line.baseURL, line.apiKey);
  const options = { headers: { ...line.headers }, timeout: line.timeoutMs, maxRetries: 0, signal };
  try {
    if (line.kind === 'chat' && line.request.stream === true) {
      line.expectedBody = line.planned;
      await openaiStream(client, line, options, view);
    } else if (line.kind === 'chat') {
      line.expectedBody = line.planned;
      const { data, response } = await client.chat.completions.create(line.request, options).withResponse();
      view.request_id = data?._request_id ?? headerValue(response?.headers, 'x-request-id');
      view.result = summarizeCompletion(data, view);
    } else if (line.kind === 'raw_body') {
      // Bytes are sent verbatim by every openai version; a string is JSON-encoded a
      // second time by openai 4 (and by later ones unless a Content-Type is given).
      line.expectedBody = line.rawBody;
      options.headers['Content-Type'] = 'application/json';
      const url = resolvePath(line.baseURL, 'chat/completions');
      const body = new TextEncoder().encode(line.rawBody);
      const { data, response } = await client.post(url, { ...options, body }).withResponse();
      view.request_id = headerValue(response?.headers, 'x-request-id');
      if (Array.isArray(data?.choices)) view.result = summarizeCompletion(data, view);
    } else {
      // An absolute URL is used as given by the SDK, so `..` resolves as a URL does.
      const url = resolvePath(line.baseURL, line.path);
      const call = line.method === 'POST'
        ? client.post(url, { ...options, body: line.request })
        : client.get(url, options);
      if (line.method === 'POST') line.expectedBody = line.planned;
      const { response } = await call.withResponse();
      view.request_id = headerValue(response?.headers, 'x-request-id');
    }
  } catch (err) {
    if (line.bodyMismatch) throw new Error(`openai-node would not send the planned body: ${line.bodyMismatch}`);
    view.outcome = 'raised';
    view.exception = openaiException(err);
  }
  return finishView(view, line);
}

// ---------------------------------------------------------------------------
// ai-sdk

const aiModels = new Map();

/** One provider model per (base_url, api_key, model id): building one per request costs a tenth of a replay. */
function aiModel(baseURL, apiKey, modelId) {
  const key = JSON.stringify([baseURL, apiKey, modelId]);
  if (!aiModels.has(key)) {
    const provider = lib.createOpenAICompatible({ name: 'heroku', baseURL, apiKey, fetch: replacingFetch });
    aiModels.set(key, provider.chatModel(modelId));
  }
  return aiModels.get(key);
}

/**
 * fetch for the AI SDK: its request builder is bypassed on purpose. The body it
 * built is replaced by the planned bytes, so every client sends the same bytes;
 * what is judged is what the AI SDK makes of the answer.
 */
async function replacingFetch(url, init = {}) {
  const line = currentLine.getStore();
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/json');
  line.fetchCalls = (line.fetchCalls ?? 0) + 1;
  const body = line.kind === 'raw_body' ? line.rawBody : JSON.stringify(line.planned);
  const response = await fetch(url, { ...init, headers, body, redirect: 'manual' });
  line.httpStatus = response.status;
  line.touch?.();
  return response;
}

function aiException(err) {
  const status = err?.statusCode ?? err?.status;
  return {
    class: errorClass(err),
    status: typeof status === 'number' ? status : null,
    message: firstLine(err?.message ?? err),
    request_id: headerValue(err?.responseHeaders, 'x-request-id'),
    cause: err?.cause ? describeError(err.cause) : null,
  };
}

function isAPICallError(err) {
  return lib.APICallError?.isInstance?.(err) ?? err?.name === 'AI_APICallError';
}

const AI_FINISH = { stop: 'stop', length: 'length', 'tool-calls': 'tool_calls', 'content-filter': 'content_filter' };

function aiFinishReason(reason, view) {
  if (reason === 'error') addProblem(view, "the AI SDK reports finish reason 'error'");
  return AI_FINISH[reason] ?? null;
}

function aiUsage(u) {
  if (!u || [u.inputTokens, u.outputTokens, u.totalTokens].every((v) => v === undefined || v === null)) return null;
  return { prompt_tokens: u.inputTokens ?? null, completion_tokens: u.outputTokens ?? null, total_tokens: u.totalTokens ?? null };
}

function aiToolCall(call, view) {
  if (call.invalid) addProblem(view, `the AI SDK marks tool call ${call.toolName} invalid: ${describeError(call.error)}`);
  return {
    id: call.toolCallId ?? null,
    name: call.toolName ?? null,
    arguments: typeof call.input === 'string' ? call.input : JSON.stringify(call.input ?? null),
  };
}

// Declared for a tool whose parameters are not an object: the schema only shapes the
// body the AI SDK builds (which is replaced), and tool input is not checked against it.
const PERMISSIVE_SCHEMA = { type: 'object', properties: {} };

/** Declares the request's function tools with no `execute`, so calls are returned, never run. */
function aiTools(request) {
  const tools = {};
  for (const t of Array.isArray(request?.tools) ? request.tools : []) {
    const fn = t?.function;
    if (t?.type !== 'function' || typeof fn?.name !== 'string') continue;
    const schema = isPlainObject(fn.parameters) ? fn.parameters : PERMISSIVE_SCHEMA;
    tools[fn.name] = lib.tool({
      description: typeof fn.description === 'string' ? fn.description : undefined,
      inputSchema: lib.jsonSchema(schema),
    });
  }
  return Object.keys(tools).length ? tools : undefined;
}

async function aiGenerate(args, view) {
  const r = await lib.generateText(args);
  view.request_id = headerValue(r.response?.headers, 'x-request-id');
  view.result = {
    text: r.text ?? null,
    finish_reason: aiFinishReason(r.finishReason, view),
    tool_calls: (r.toolCalls ?? []).map((c) => aiToolCall(c, view)),
    usage: aiUsage(r.usage),
    reasoning: r.reasoningText ?? null,
    message_fields: null,
  };
}

/** Iterates fullStream, as a user of streamText would, and keeps a summary of its parts. */
async function aiStream(args, view) {
  let aborted = false;
  const seen = new Set();
  const errors = [];
  const noteError = (error) => {
    if (!seen.has(error)) errors.push(error);
    seen.add(error);
  };
  const r = lib.streamText({ ...args, onError: ({ error }) => noteError(error) });
  const out = { text: '', reasoning: null, finish: undefined, usage: null, toolCalls: [] };
  let count = 0;
  const line = currentLine.getStore();
  for await (const part of r.fullStream) {
    line.touch();
    count += 1;
    switch (part.type) {
      case 'text-delta': out.text += part.text ?? ''; break;
      case 'reasoning-delta': out.reasoning = (out.reasoning ?? '') + (part.text ?? ''); break;
      case 'tool-call': out.toolCalls.push(aiToolCall(part, view)); break;
      case 'tool-error': addProblem(view, `the AI SDK emitted a tool-error for ${part.toolName}: ${describeError(part.error)}`); break;
      case 'finish-step':
        view.request_id ??= headerValue(part.response?.headers, 'x-request-id');
        out.usage = aiUsage(part.usage) ?? out.usage;
        break;
      case 'finish': out.finish = part.finishReason; out.usage = aiUsage(part.totalUsage) ?? out.usage; break;
      case 'error': noteError(part.error); break;
      case 'abort': aborted = true; break;
      default: break;
    }
  }
  view.chunk_count = count;
  // streamText does not throw: an HTTP failure arrives as an error part. Report it
  // as raised, so an HTTP error status reads the same for every client.
  const httpError = errors.find(isAPICallError);
  if (httpError) {
    view.outcome = 'raised';
    view.exception = aiException(httpError);
  } else if (aborted) {
    // A timeout ends the stream with an abort part, where generateText would throw.
    view.outcome = 'raised';
    view.exception = aiException(args.abortSignal.reason);
    addProblem(view, `the AI SDK stream was aborted after ${count} parts: ${describeError(args.abortSignal.reason)}`);
  }
  for (const err of errors.filter((e) => e !== httpError)) {
    addProblem(view, `the AI SDK stream emitted an error part: ${describeError(err)}`);
  }
  if (httpError) return; // the call failed: the user got no answer
  view.result = {
    text: out.text,
    finish_reason: out.finish === undefined ? null : aiFinishReason(out.finish, view),
    tool_calls: out.toolCalls,
    usage: out.usage,
    reasoning: out.reasoning,
    message_fields: null,
  };
}

/** Sends a request the AI SDK has no call for, with plain fetch. */
async function plainFetch(line, signal) {
  const view = newView(line.client, 'fetch');
  const headers = { ...line.headers, Authorization: `Bearer ${line.apiKey}` };
  const init = { method: line.method, headers, signal, redirect: 'manual' };
  if (line.method === 'POST') {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(line.planned);
  }
  try {
    const response = await fetch(resolvePath(line.baseURL, line.path), init);
    await response.arrayBuffer();
    view.http_status = response.status;
    view.request_id = response.headers.get('x-request-id');
  } catch (err) {
    view.outcome = 'raised';
    view.exception = {
      class: errorClass(err),
      status: null,
      message: firstLine(err?.message ?? err),
      request_id: null,
      cause: err?.cause ? describeError(err.cause) : null,
    };
  }
  return view;
}

async function runAISDK(line, signal) {
  if (line.kind === 'path') return plainFetch(line, signal);
  const view = newView('ai-sdk');
  const request = line.kind === 'chat' ? line.request : {};
  const args = {
    model: aiModel(line.baseURL, line.apiKey, String(request.model ?? 'model')),
    prompt: lastUserText(request),
    maxRetries: 0,
    headers: { ...line.headers },
    // No total timeout of its own: the driver's watchdog waits timeout_ms for each sign of progress,
    // as the Python SDK waits that long for each read, so a slow stream is as slow for every client.
    abortSignal: signal,
  };
  const streamed = line.kind === 'chat' && request.stream === true;
  try {
    await (streamed ? aiStream : aiGenerate)({ ...args, tools: aiTools(request) }, view);
  } catch (err) {
    view.outcome = 'raised';
    view.exception = aiException(err);
  }
  return finishView(view, line);
}

// ---------------------------------------------------------------------------
// The loop

async function handle(text) {
  let plan;
  try {
    plan = JSON.parse(text);
  } catch (err) {
    return { id: null, driver_error: `the line is not JSON: ${oneLine(err.message)}` };
  }
  const id = isPlainObject(plan) && Object.hasOwn(plan, 'id') ? plan.id : null;
  let line;
  try {
    line = checkPlan(plan);
  } catch (err) {
    return { id, driver_error: oneLine(err.message) };
  }
  // A backstop: the clients' own timeouts should fire first and be reported by them.
  // If they do not (a stalled stream), the driver aborts the client and reports what
  // it then says; if it does not even give up then, the line gets a driver_error.
  // The watchdog waits for progress, not for the whole answer: every response and
  // chunk a client receives starts its wait again, as a read timeout would.
  const watchdog = new AbortController();
  const budget = line.timeoutMs + WATCHDOG_GRACE_MS;
  let timer;
  let hardTimer;
  let fire;
  const expired = new Promise((resolve) => {
    fire = () => {
      line.watchdogFired = true;
      watchdog.abort(new Error(`driver watchdog: no progress within ${budget} ms`));
      hardTimer = setTimeout(() => {
        resolve({ id, driver_error: `${line.client} gave no answer within ${budget} ms and did not stop when aborted` });
      }, HARD_STOP_MS);
    };
  });
  line.touch = () => {
    clearTimeout(timer);
    if (!line.watchdogFired) timer = setTimeout(fire, budget);
  };
  line.touch();
  try {
    const runner = line.client === 'openai-node' ? runOpenAI : runAISDK;
    const run = currentLine.run(line, () => runner(line, watchdog.signal));
    const answer = run.then((view) => ({ id, view }));
    return await Promise.race([answer, expired]);
  } catch (err) {
    return { id, driver_error: oneLine(err?.message ?? err) };
  } finally {
    clearTimeout(timer);
    clearTimeout(hardTimer);
  }
}

/** Version of an installed package, from its own package.json. */
function installedVersion(name) {
  let dir = dirname(fileURLToPath(import.meta.resolve(name)));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      if (pkg.name === name) return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

async function loadLibraries() {
  const [openai, helper, ai, compatible] = await Promise.all([
    import('openai'),
    import('openai/lib/ChatCompletionStream'),
    import('ai'),
    import('@ai-sdk/openai-compatible'),
  ]);
  return {
    OpenAI: openai.default ?? openai.OpenAI,
    ChatCompletionStream: helper.ChatCompletionStream,
    generateText: ai.generateText,
    streamText: ai.streamText,
    tool: ai.tool,
    jsonSchema: ai.jsonSchema,
    APICallError: ai.APICallError,
    createOpenAICompatible: compatible.createOpenAICompatible,
  };
}

async function main() {
  try {
    lib = await loadLibraries();
  } catch (err) {
    emit({ ready: false, error: `cannot load the clients (run npm ci in ${dirname(fileURLToPath(import.meta.url))}): ${oneLine(err?.message ?? err)}` });
    process.exit(1);
  }
  emit({
    ready: true,
    node: process.version,
    clients: {
      'openai-node': { package: 'openai', version: installedVersion('openai') },
      'ai-sdk': { package: '@ai-sdk/openai-compatible', version: installedVersion('@ai-sdk/openai-compatible'), ai: installedVersion('ai') },
    },
  });

  // Lines are handled one at a time, in order.
  let queue = Promise.resolve();
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
  input.on('line', (text) => {
    if (!text.trim()) return; // tolerate blank lines
    queue = queue.then(() => handle(text)).then(emit, (err) => emit({ id: null, driver_error: oneLine(err?.message ?? err) }));
  });
  input.on('close', () => {
    // Let the last lines reach the harness before leaving.
    queue.then(() => process.stdout.write('', () => process.exit(0)));
  });
}

main();
