import { readFileSync } from 'node:fs';

/**
 * HAProxy asks for 2 × maxconn file descriptors (client and server side), one per listener
 * and per checked server, and a few of its own (threads, pipes, sockets: 26 with 2.6 on two
 * threads, measured; 64 leaves room). When that is more than the hard RLIMIT_NOFILE it runs
 * under, HAProxy 2.6 refuses to start ("Cannot raise FD limit", also with `ulimit-n` set):
 * maxconn is fitted instead, and when even the listeners and checks alone do not fit, the
 * config is not run at all (HAProxy would exit at every start).
 */
const OWN_FDS = 64;
/** Below this, fitting maxconn would leave a HAProxy that serves almost nothing: it is an error to fix. */
const MIN_MAXCONN = 64;

export interface FdBudget {
  /** The maxconn to write: the configured one, or less when the limit does not allow it. */
  maxconn: number;
  /** Descriptors HAProxy needs with the configured maxconn. */
  needed: number;
  /** The hard RLIMIT_NOFILE HAProxy inherits, when known. */
  limit?: number;
  /** Why maxconn was lowered, in one line for operators. */
  warning?: string;
  /** Why HAProxy cannot start under this limit at all, in one line for operators. */
  refusal?: string;
}

export function fdBudget(maxconn: number, listeners: number, checkedServers: number, limit: number | undefined): FdBudget {
  const fixed = listeners + checkedServers + OWN_FDS;
  const needed = 2 * maxconn + fixed;
  if (limit === undefined || needed <= limit) return { maxconn, needed, ...(limit !== undefined ? { limit } : {}) };
  const fitted = Math.floor((limit - fixed) / 2);
  const what = `HAProxy needs ${needed} file descriptors (maxconn ${maxconn} × 2, ${listeners} listeners, ${checkedServers} checked servers), more than the open-files limit of ${limit}`;
  const fix = 'raise it (LimitNOFILE= in the systemd unit, ulimit -n, docker --ulimit nofile=) or lower maxconn';
  if (fitted < MIN_MAXCONN) {
    const refusal = `${what}, and even a maxconn of ${MIN_MAXCONN} does not fit: HAProxy cannot start; raise the limit (LimitNOFILE= in the systemd unit, ulimit -n, docker --ulimit nofile=) or turn HAProxy's checks off (checks: false)`;
    return { maxconn: MIN_MAXCONN, needed, limit, refusal };
  }
  return { maxconn: fitted, needed, limit, warning: `${what}: maxconn lowered to ${fitted}; ${fix}` };
}

/** The hard open-files limit of this process (its children inherit it), from /proc; undefined elsewhere. */
export function openFilesLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const hard = line?.trim().split(/\s+/)[4];
    return hard && /^\d+$/.test(hard) ? Number(hard) : undefined;
  } catch {
    return undefined;
  }
}
