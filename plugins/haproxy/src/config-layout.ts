import type { ServiceView } from './view.js';

const SECTION = /^(listen|backend|frontend|defaults|global|peers|resolvers|userlist|mailers|program|http-errors|ring|cache)\s+(\S+)?/;
const SERVER = /^\s*server\s/;

/**
 * A rendered config cut where each backend's server lines are, so that a runtime change
 * rewrites the file by replacing the server lines of the services that changed, without
 * rendering (or checking) the rest again: O(changed), not O(cluster). The cut is only made
 * when the template wrote every service's server lines verbatim (`server.line`), together, at
 * the end of its section, as the default template does; otherwise there is no layout and the
 * whole config is rendered as before. The pieces are kept encoded: a rewrite re-encodes only
 * the changed servers and hands the rest to one writev (at 10,000 apps × 10 tasks, an 11 MB
 * file, joining and encoding the whole text cost about three times the CPU of the write).
 */
export class ConfigLayout {
  private constructor(
    private readonly chunks: Buffer[],
    /** Proxy name → index of the chunk that holds its server lines. */
    private readonly at: ReadonlyMap<string, number>,
  ) {}

  static of(text: string, services: readonly ServiceView[]): ConfigLayout | undefined {
    const wanted = new Map(services.map((s) => [s.name, s.servers.map((server) => server.line)]));
    const lines = text.split('\n');
    const chunks: Buffer[] = [];
    const at = new Map<string, number>();
    let from = 0;
    let i = 0;
    while (i < lines.length) {
      const section = SECTION.exec(lines[i]!);
      const name = section && (section[1] === 'listen' || section[1] === 'backend') ? section[2] : undefined;
      const servers = name !== undefined ? wanted.get(name) : undefined;
      if (servers === undefined || at.has(name!)) {
        i++;
        continue;
      }
      // The end of the section: the next blank line or section header.
      let end = i + 1;
      while (end < lines.length && lines[end] !== '' && !SECTION.test(lines[end]!)) end++;
      const body = lines.slice(i + 1, end);
      const first = body.findIndex((l) => SERVER.test(l));
      const start = first === -1 ? end : i + 1 + first;
      const written = lines.slice(start, end);
      if (written.length !== servers.length || written.some((l, k) => l.trim() !== servers[k])) return undefined;
      chunks.push(Buffer.from(`${lines.slice(from, start).join('\n')}\n`));
      at.set(name!, chunks.length);
      chunks.push(Buffer.from(written.map((l) => `${l}\n`).join('')));
      from = end;
      i = end;
    }
    if (at.size !== wanted.size) return undefined;
    chunks.push(Buffer.from(lines.slice(from).join('\n')));
    return new ConfigLayout(chunks, at);
  }

  /**
   * The config with the server lines of `services` replaced (same indentation as the
   * template's), in pieces for a writev.
   */
  splice(services: readonly ServiceView[]): readonly Buffer[] {
    for (const service of services) {
      const index = this.at.get(service.name);
      if (index === undefined) continue;
      const chunk = this.chunks[index]!;
      let spaces = 0;
      while (spaces < chunk.length && (chunk[spaces] === 0x20 || chunk[spaces] === 0x09)) spaces++;
      const indent = spaces > 0 ? chunk.toString('latin1', 0, spaces) : '  ';
      this.chunks[index] = Buffer.from(service.servers.map((server) => `${indent}${server.line}\n`).join(''));
    }
    return [...this.chunks];
  }

  has(name: string): boolean {
    return this.at.has(name);
  }
}
