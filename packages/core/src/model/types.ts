/**
 * The model every handler sees (docs/writing-a-plugin.md#payloads). All of it is immutable: hooks receive snapshots
 * that never change under them, and a new snapshot shares every unchanged object with the
 * one before it.
 */

/** `up` receives traffic; `draining` (TASK_KILLING) gets no new connections; the rest get none. */
export type BackendHealth = 'up' | 'down' | 'unknown' | 'draining';
export type Transport = 'tcp' | 'udp';
/** How the app's tasks are reached: the agent's ports, Docker bridge port mappings, or an IP per task. */
export type NetworkMode = 'host' | 'bridge' | 'container';
export type Labels = Readonly<Record<string, string>>;

/** A Marathon health check of an app, as declared. */
export interface AppHealthCheck {
  /** Marathon's protocol: HTTP, HTTPS, TCP, COMMAND, MESOS_HTTP, MESOS_HTTPS, MESOS_TCP. */
  readonly marathonProtocol: string;
  /** The port index it checks, if it checks a port. */
  readonly portIndex?: number;
  /** A fixed port it checks instead of a port index. */
  readonly port?: number;
  readonly path?: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
}

/** The Marathon health check of one service port, as a load balancer would repeat it. */
export interface HealthCheck {
  /** `http` for HTTP and MESOS_HTTP checks, `tcp` for every other port check. */
  readonly protocol: 'http' | 'tcp';
  readonly marathonProtocol: string;
  readonly path?: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
}

/** One port of an app, by port index. */
export interface PortSpec {
  readonly index: number;
  /** 0 when Marathon assigns none (the port is then not exposed). */
  readonly servicePort: number;
  readonly transport: Transport;
  readonly name?: string;
  /** Container port (bridge and container networks). */
  readonly containerPort?: number;
  /** Index into `task.ports` of this port's host port; absent when the port has none. */
  readonly hostPortIndex?: number;
  /** The port's own labels (not overlaid). */
  readonly labels: Labels;
}

export interface Task {
  readonly id: string;
  readonly appId: string;
  readonly host: string;
  readonly ipAddresses: readonly string[];
  readonly ports: readonly number[];
  /** Mesos task state, e.g. TASK_RUNNING. */
  readonly state: string;
  readonly startedAt?: string;
  readonly version?: string;
  /** `alive` of each Marathon health check result the task has (null results are ignored). */
  readonly healthResults: readonly boolean[];
  readonly health: BackendHealth;
  /**
   * Why no handler routes to this task, when a field from Marathon is malformed (a host that
   * is neither a host name nor an IP, a port outside 1-65535, an IP that is not one).
   */
  readonly problem?: string;
}

export interface App {
  readonly id: string;
  readonly version: string;
  readonly instances: number;
  readonly labels: Labels;
  readonly network: NetworkMode;
  readonly ports: readonly PortSpec[];
  readonly healthChecks: readonly AppHealthCheck[];
  readonly tasks: ReadonlyMap<string, Task>;
  /** Names of the services this app yields, one per port index (exposed or not). */
  readonly services: readonly string[];
}

export interface Backend {
  readonly taskId: string;
  /** Agent host name (host and bridge networks) or the task's IP (container networks). */
  readonly host: string;
  /** `host` resolved to an IP by mmsd; absent while it does not resolve. */
  readonly address?: string;
  readonly port: number;
  readonly state: string;
  readonly health: BackendHealth;
}

export interface Service {
  readonly appId: string;
  /** `developer.trapni.php` for port index 0, `developer.trapni.php_<i>` for index i > 0. */
  readonly name: string;
  readonly portIndex: number;
  readonly servicePort: number;
  readonly transport: Transport;
  /** Application protocol: label `proto`, else the port's health-check protocol, else the transport. */
  readonly proto: string;
  readonly healthCheck?: HealthCheck;
  /** App labels overlaid by the port's labels. */
  readonly labels: Labels;
  readonly groups: readonly string[];
  readonly vhosts: readonly string[];
  readonly vhostDefault: boolean;
  /** PROXY protocol version towards the backends; 0 = off. */
  readonly proxyProtocol: 0 | 1 | 2;
  /** One per task that has an address for this port, sorted by `host:port`. */
  readonly backends: readonly Backend[];
  // From marathon-lb's typed labels (docs/migrating-from-marathon-lb.md); absent when not set.
  /** `HAPROXY_{n}_PATH`: URL path prefixes it is routed by, under its vhosts. */
  readonly paths?: readonly string[];
  /** `HAPROXY_{n}_BACKEND_WEIGHT`: the higher, the earlier its routes are tried. */
  readonly backendWeight?: number;
  /** `HAPROXY_{n}_BIND_ADDR`: the address its port is bound on. */
  readonly bindAddress?: string;
  /** `HAPROXY_{n}_BALANCE`: roundrobin, static-rr, leastconn, first, source or random. */
  readonly balance?: string;
  /** `HAPROXY_{n}_STICKY`: a client stays on one backend (a cookie). */
  readonly sticky?: boolean;
  /** `HAPROXY_{n}_REDIRECT_TO_HTTPS`: HTTP requests by its vhosts are redirected to HTTPS. */
  readonly redirectToHttps?: boolean;
  /** `HAPROXY_{n}_USE_HSTS`: answers carry Strict-Transport-Security. */
  readonly hsts?: boolean;
  /** `HAPROXY_{n}_AUTH`: HTTP basic auth in front of it. */
  readonly auth?: BasicAuth;
  /** `HAPROXY_{n}_BACKEND_NETWORK_ALLOWED_ACL`: only these sources (IPs, networks) may connect. */
  readonly allowedSources?: readonly string[];
  /** `HAPROXY_{n}_SSL_CERT`: a PEM file (certificate and key) for its vhosts on the HTTPS gateway. */
  readonly sslCert?: string;
}

/** HTTP basic auth of a service: marathon-lb's `realm:user:encrypted-password`. */
export interface BasicAuth {
  readonly realm: string;
  readonly user: string;
  /** A crypt(3) hash (`$5$…`, `$6$…`, …), as HAProxy's `userlist … password` takes it. */
  readonly passwordHash: string;
}

export type ExclusionReason = 'groups' | 'no-service-port' | 'invalid-label' | 'invalid-id' | 'disabled';

/** A service that no handler may expose, and why. */
export interface ExcludedService {
  readonly service: Service;
  readonly reason: ExclusionReason;
  /** Human-readable, e.g. `label lb-vhost: "a b" is not a host name`. */
  readonly detail: string;
}

export interface Snapshot {
  readonly apps: ReadonlyMap<string, App>;
  /** Exposed services only: what handlers serve. */
  readonly services: ReadonlyMap<string, Service>;
  readonly excluded: ReadonlyMap<string, ExcludedService>;
  /** Increases with every published snapshot; 0 = nothing known yet. */
  readonly version: number;
  /** When the state was last confirmed by a full sync with Marathon (ISO 8601). */
  readonly syncedAt?: string;
}

export type ChangeType = 'added' | 'updated' | 'removed';

/** An app definition was added, updated (labels, ports, checks, instances, version) or removed. */
export interface AppChange {
  readonly type: ChangeType;
  readonly appId: string;
  readonly before?: App;
  readonly after?: App;
}

/** A task was added or removed, or changed state, health, host or ports. */
export interface TaskChange {
  readonly type: ChangeType;
  readonly appId: string;
  readonly taskId: string;
  readonly before?: Task;
  readonly after?: Task;
}

/** An exposed service appeared, changed (incl. its backends) or went away. */
export interface ServiceChange {
  readonly type: ChangeType;
  readonly name: string;
  readonly before?: Service;
  readonly after?: Service;
}

export interface ChangeSet {
  readonly apps: readonly AppChange[];
  readonly tasks: readonly TaskChange[];
  readonly services: readonly ServiceChange[];
  /** A full sync with Marathon contributed to this change set. */
  readonly full: boolean;
  /** The first snapshot of this run: there is nothing before it (per-item hooks do not fire). */
  readonly initial: boolean;
}
