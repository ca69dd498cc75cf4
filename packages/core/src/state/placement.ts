// Immutable's ES module build (see store.ts).
import { Map as IMap } from 'immutable/dist/immutable.es.js';
import type { Logger } from '../log.js';
import type { ServiceBuildContext } from '../model/services.js';
import { buildServices, sameExcluded, sameService } from '../model/services.js';
import type { App, ExcludedService, Service } from '../model/types.js';

/**
 * Where each app's services go: exposed (`services`) or not, with the reason (`excluded`). A
 * service name belongs to the first app that has it; another app's service of the same name is
 * not exposed, with a warning, until the name is free again (`collidedApps` are tried again).
 */
export class ServicePlacement {
  services = IMap<string, Service>();
  excluded = IMap<string, ExcludedService>();
  private readonly collided = new Set<string>();

  constructor(
    readonly context: { -readonly [K in keyof ServiceBuildContext]: ServiceBuildContext[K] },
    private readonly log: Logger,
  ) {}

  /** Apps with a service that another app's name kept out. */
  collidedApps(): string[] {
    return [...this.collided];
  }

  /** A batch of changes: the maps are edited in place until `end`. */
  begin(): void {
    this.services = this.services.asMutable();
    this.excluded = this.excluded.asMutable();
  }

  end(): void {
    this.services = this.services.asImmutable();
    this.excluded = this.excluded.asImmutable();
  }

  /**
   * Replaces the services of `previous` by those of `next`, keeping equal ones. Returns whether
   * any changed. `changedTasks`: `next` is `previous` after task events on these tasks alone, so
   * only their backends are redone and an unchanged service is the same object (no comparing).
   */
  place(id: string, previous: App | undefined, next: App | undefined, changedTasks?: Iterable<string>): boolean {
    let changed = false;
    const since = previous && next && changedTasks ? { previous, changed: changedTasks, prior: (name: string) => this.placedOf(id, name) } : undefined;
    const same = since ? (a: Service, b: Service) => a === b : sameService;
    const built = next ? buildServices(next, this.context, since) : { exposed: [], excluded: [] };
    const keep = new Set<string>();
    const owned = (name: string): boolean => {
      const other = this.services.get(name)?.appId ?? this.excluded.get(name)?.service.appId;
      return other === undefined || other === id;
    };
    const wasCollided = this.collided.delete(id);
    const collides = (service: Service): boolean => {
      if (owned(service.name)) return false;
      if (!wasCollided) {
        const owner = this.ownerOf(service.name);
        this.log.warn('service %s of %s is not exposed: the name belongs to a service of %s', service.name, id, owner);
      }
      this.collided.add(id);
      return true;
    };
    for (const service of built.exposed) {
      if (collides(service)) continue;
      keep.add(service.name);
      const old = this.services.get(service.name);
      if (old && same(old, service)) continue;
      this.services = this.services.set(service.name, service);
      if (this.excluded.has(service.name)) this.excluded = this.excluded.delete(service.name);
      changed = true;
    }
    for (const entry of built.excluded) {
      if (collides(entry.service)) continue;
      changed = this.placeExcluded(entry, keep, same) || changed;
    }
    for (const name of previous?.services ?? []) {
      if (keep.has(name)) continue;
      if (this.services.get(name)?.appId === id) {
        this.services = this.services.delete(name);
        changed = true;
      }
      if (this.excluded.get(name)?.service.appId === id) {
        this.excluded = this.excluded.delete(name);
        changed = true;
      }
    }
    return changed;
  }

  private placeExcluded(entry: ExcludedService, keep: Set<string>, same: (a: Service, b: Service) => boolean): boolean {
    const name = entry.service.name;
    keep.add(name);
    const old = this.excluded.get(name);
    const wasExposed = this.services.get(name)?.appId === entry.service.appId;
    if (wasExposed) this.services = this.services.delete(name);
    if (old && sameExcluded(old, entry, same)) return wasExposed;
    this.excluded = this.excluded.set(name, entry);
    return true;
  }

  /** The service of `name` as placed for app `id` (exposed or excluded), if it is. */
  private placedOf(id: string, name: string): Service | undefined {
    const exposed = this.services.get(name);
    if (exposed) return exposed.appId === id ? exposed : undefined;
    const excluded = this.excluded.get(name)?.service;
    return excluded?.appId === id ? excluded : undefined;
  }

  private ownerOf(name: string): string | undefined {
    return this.services.get(name)?.appId ?? this.excluded.get(name)?.service.appId;
  }
}
