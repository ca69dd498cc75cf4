/**
 * Splits Marathon's `GET /v2/apps` answer (`{"apps":[{…},{…}]}`) into its apps while it
 * arrives, so that each app is parsed on its own (native `JSON.parse`) and can be dropped once
 * applied. Parsing the whole answer at once held the raw bytes, their text and the whole
 * object tree together: at 10,000 apps × 10 tasks (72 MB of JSON) that was most of a 500 MB
 * peak. Streaming JSON parsers in JavaScript tokenize every byte themselves and were several
 * times slower than this scan, which only looks for the brackets and quotes that delimit the
 * apps (see docs/performance.md).
 */

/** The answer is not `{"apps":[…]}` with objects in the list. */
export class AppsAnswerError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export class AppsSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** Open objects and arrays around the current byte. */
  private depth = 0;
  private inString = false;
  /** The byte after a backslash inside a string (across a chunk boundary). */
  private escaped = false;
  private started = false;
  /** The last string seen directly in the top-level object, and the key it became. */
  private lastString: Uint8Array[] = [];
  private capturingString = false;
  private key = '';
  /** Inside the top-level `apps` list. */
  private inApps = false;
  private sawApps = false;
  /** The bytes of the app being read (from its `{`), across chunks. */
  private parts: Uint8Array[] = [];
  private capturing = false;
  private count = 0;

  constructor(private readonly each: (app: unknown) => void) {}

  /** Apps handed to `each` so far. */
  get apps(): number {
    return this.count;
  }

  push(chunk: Uint8Array): void {
    let start = this.capturing ? 0 : -1;
    let stringStart = this.capturingString ? 0 : -1;
    const n = chunk.length;
    // The next quote and backslash at or after i (-1: none left in this chunk), found with the
    // native indexOf and looked up again only once passed: most bytes are inside strings.
    let quote = -2;
    let backslash = -2;
    for (let i = 0; i < n; i++) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          continue;
        }
        if (quote !== -1 && quote < i) quote = chunk.indexOf(QUOTE, i);
        if (backslash !== -1 && backslash < i) backslash = chunk.indexOf(BACKSLASH, i);
        if (backslash !== -1 && (quote === -1 || backslash < quote)) {
          i = backslash;
          this.escaped = true;
          continue;
        }
        if (quote === -1) break;
        i = quote;
        this.inString = false;
        if (this.capturingString) {
          this.lastString.push(chunk.subarray(stringStart, i));
          this.capturingString = false;
          stringStart = -1;
        }
        continue;
      }
      const c = chunk[i]!;
      if (isSpace(c)) continue;
      if (!this.started) {
        if (c !== OPEN_OBJECT) throw new AppsAnswerError('the body is not JSON (it does not start with "{")');
        this.started = true;
      } else if (this.depth === 0) {
        throw new AppsAnswerError('the body is not JSON (it goes on after its object)');
      }
      if (this.inApps && this.depth === 2 && !this.capturing) {
        if (c === OPEN_OBJECT) {
          this.capturing = true;
          start = i;
        } else if (c !== COMMA && c !== CLOSE_ARRAY) {
          throw new AppsAnswerError('the answer has an app that is not an object');
        }
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          if (this.depth === 1) {
            this.capturingString = true;
            this.lastString = [];
            stringStart = i + 1;
          }
          break;
        case COLON:
          if (this.depth === 1) this.key = this.text(this.lastString);
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          this.depth++;
          if (this.depth === 2 && c === OPEN_ARRAY && this.key === 'apps') {
            this.inApps = true;
            this.sawApps = true;
          }
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          this.depth--;
          if (this.depth < 0) throw new AppsAnswerError('the body is not JSON (a bracket closes that was not open)');
          if (this.depth === 1) this.inApps = false;
          if (this.capturing && this.depth === 2) {
            this.parts.push(chunk.subarray(start, i + 1));
            this.emit();
            start = -1;
          }
          break;
      }
    }
    if (this.capturing && start !== -1) this.parts.push(chunk.slice(start));
    if (this.capturingString && stringStart !== -1) this.lastString.push(chunk.slice(stringStart));
  }

  /** The answer is complete: it must have been a whole object with an `apps` list. */
  end(): void {
    if (!this.started || this.depth !== 0 || this.inString) throw new AppsAnswerError('the body is not JSON (it ends before its object does: truncated?)');
    if (!this.sawApps) throw new AppsAnswerError('the answer has no "apps" list');
  }

  private emit(): void {
    const text = this.text(this.parts);
    this.parts = [];
    this.capturing = false;
    let app: unknown;
    try {
      app = JSON.parse(text);
    } catch {
      throw new AppsAnswerError(`app number ${this.count + 1} of the answer is not valid JSON`);
    }
    if (typeof (app as { id?: unknown }).id !== 'string') throw new AppsAnswerError('the answer has an app without an id');
    this.count++;
    this.each(app);
  }

  private text(parts: readonly Uint8Array[]): string {
    if (parts.length === 1) return this.decoder.decode(parts[0]);
    let length = 0;
    for (const part of parts) length += part.length;
    const whole = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      whole.set(part, offset);
      offset += part.length;
    }
    return this.decoder.decode(whole);
  }
}
