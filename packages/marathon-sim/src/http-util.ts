// The small HTTP helpers of the simulator's server and its controls.
import type { IncomingMessage, ServerResponse } from 'node:http';

type Json = Record<string, unknown>;

export const JSON_TYPE = 'application/json';

export function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

export function message(text: string): string {
  return JSON.stringify({ message: text });
}

export async function readBody(request: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  const value = JSON.parse(text) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the body must be a JSON object');
  return value as Json;
}

/** `/v2/apps/<rest>` → the app id `/<rest>`. */
export function appIdOf(rest: string): string {
  return `/${rest.replace(/^\/+|\/+$/g, '')}`;
}
