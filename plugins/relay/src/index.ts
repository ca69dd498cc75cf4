import type { MmsdPlugin } from '@mmsd/core';
import type { Server } from 'node:http';
import { Answers } from './answers.js';
import { EventFanout } from './event-fanout.js';
import type { RelayOptions } from './options.js';
import { optionsSchema } from './options.js';
import { startRelayServer } from './server.js';

export type { RelayOptions } from './options.js';

/**
 * The relay (DESIGN §6, docs/relay.md): Marathon's read API and event stream served from this
 * agent's state, so that many agents list a few relays in `marathon.endpoints` instead of
 * Marathon. It serves only in `run` mode.
 */
const plugin = {
  name: 'relay',
  mmsd: '^0.1.0',
  optionsSchema,
  apply(hooks, ctx) {
    if (ctx.mode !== 'run') return;
    const options = ctx.options;
    const answers = new Answers(ctx.toMarathonApp);
    const requests = ctx.metrics.counter('mmsd_relay_requests_total', 'Requests to the relay, by route (apps, app, tasks, events)', ['route']);
    const readers = ctx.metrics.gauge('mmsd_relay_readers', 'Readers of the relay\'s event stream', []);
    const dropped = ctx.metrics.counter('mmsd_relay_readers_dropped_total', 'Event stream readers disconnected, by reason (slow: fell behind; resync: a full sync changed the state)', ['reason']);
    const lastSync = ctx.metrics.gauge('mmsd_relay_last_sync_timestamp_seconds', 'When the relay last synced with its Marathon (Unix time)', []);
    const fanout = new EventFanout({
      maxOutstanding: options.maxOutstanding,
      headers: () => ({}),
      dropped: (reason) => dropped.inc({ reason }),
      readers: (count) => readers.set(count),
    });
    let server: Server | undefined;
    const info = (): Record<string, unknown> => {
      const snapshot = answers.current;
      const syncedAt = snapshot?.syncedAt;
      const age = syncedAt ? (Date.now() - Date.parse(syncedAt)) / 1000 : undefined;
      // Resyncs come every resyncInterval: a sync older than two of them (and the timeouts) failed.
      const stale = age === undefined || age > 2 * ctx.config.marathon.resyncInterval + ctx.config.marathon.timeout;
      return {
        name: 'mmsd-relay',
        version: '0.1.0',
        elected: true,
        leader: `${options.bind}:${options.port}`,
        http_config: { http_port: options.port },
        relay: { synced: answers.synced, syncedAt: syncedAt ?? null, upstream: ctx.marathon.endpoint, upstreamReachable: answers.synced && !stale, apps: snapshot?.apps.size ?? 0, readers: fanout.size },
      };
    };
    hooks.onStart.tapPromise(async () => {
      server = await startRelayServer({ options, answers, fanout, info, resolvePath: ctx.resolvePath, request: (route) => requests.inc({ route }) });
      ctx.log.info('serving Marathon\'s read API on %s://%s:%d', options.tls ? 'https' : 'http', options.bind, options.port);
    });
    hooks.onMarathonEvent.tap((event) => {
      if (answers.synced) fanout.hold(event as unknown as { eventType: string } & Record<string, unknown>);
    });
    // First among the taps (stage -1): the served state and the events held for it change together.
    hooks.onSnapshot.tap({ name: 'relay', stage: -1 }, (snapshot, changes) => {
      const jumped = answers.synced && changes.full && (changes.apps.length > 0 || changes.tasks.length > 0);
      answers.update(snapshot);
      if (snapshot.syncedAt) lastSync.set(Date.parse(snapshot.syncedAt) / 1000);
      fanout.release();
      // A full sync found what no event said (events were missed): readers resync from here.
      if (jumped) fanout.dropAll('resync');
    });
    hooks.onShutdown.tapPromise(async () => {
      fanout.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    });
  },
} satisfies MmsdPlugin<RelayOptions>;

export default plugin;
