/**
 * An OpenAI-compatible chat-completions server for tests, spoken to by the real `openai` SDK
 * over HTTP: it answers with what the test queued (a JSON answer, any text, an HTTP error, or
 * nothing at all until the client gives up) and records every request body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeAnswer =
  | { kind: 'content'; content: string; usage?: { prompt_tokens: number; completion_tokens: number } }
  | { kind: 'status'; status: number; message?: string }
  | { kind: 'hang' };

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string };
}

export interface FakeOpenAi {
  /** Base URL to configure, ending in /v1. */
  baseUrl: string;
  /** Answers in order; when empty, `fallback` answers. */
  queue(...answers: FakeAnswer[]): void;
  fallback: FakeAnswer;
  chats: ChatRequest[];
  modelListings: number;
  close(): Promise<void>;
}

export const VALID_ANSWER = {
  summary: 'Node n1 is down; its pods are not ready.',
  root_causes: [{ cause: 'Node n1 stopped answering', certainty: 'certain', evidence: ['NodeDown started first, at 11:40'] }],
  next_steps: ['kubectl describe node n1'],
  problem_type: 'infrastructure',
  problem_type_reason: 'a machine, not the application',
};

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const pending: FakeAnswer[] = [];
  const hanging = new Set<ServerResponse>();
  const state: FakeOpenAi = {
    baseUrl: '',
    queue: (...answers) => void pending.push(...answers),
    fallback: { kind: 'content', content: JSON.stringify(VALID_ANSWER) },
    chats: [],
    modelListings: 0,
    close: async () => undefined,
  };
  const server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await read(req);
    if (req.method === 'GET' && req.url === '/v1/models') {
      state.modelListings += 1;
      return json(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'test' }] });
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return json(res, 404, { error: { message: 'not found' } });
    const chat = JSON.parse(body) as ChatRequest;
    state.chats.push(chat);
    const answer = pending.shift() ?? state.fallback;
    if (answer.kind === 'hang') {
      hanging.add(res);
      return;
    }
    if (answer.kind === 'status') return json(res, answer.status, { error: { message: answer.message ?? `injected ${answer.status}`, type: 'server_error' } });
    json(res, 200, {
      id: `chatcmpl-${state.chats.length}`,
      object: 'chat.completion',
      created: 0,
      model: chat.model,
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: answer.content } }],
      usage: { ...(answer.usage ?? { prompt_tokens: 300, completion_tokens: 80 }), total_tokens: (answer.usage?.prompt_tokens ?? 300) + (answer.usage?.completion_tokens ?? 80) },
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
