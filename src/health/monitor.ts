/** The components `/healthz` reports, and their overall status (the worst of them). */
export type ComponentStatus = 'ok' | 'degraded' | 'down';

export interface ComponentHealth {
  readonly status: ComponentStatus;
  /** One line for the admin: what is wrong and what it means for mail; "ok" details are short facts. */
  readonly detail: string;
}

export type HealthCheck = () => ComponentHealth | Promise<ComponentHealth>;

export interface HealthReport {
  readonly status: ComponentStatus;
  /** `<component>: <detail>` for each component that is not ok, worst first. */
  readonly reasons: readonly string[];
  readonly components: Readonly<Record<string, ComponentHealth>>;
}

const SEVERITY: Record<ComponentStatus, number> = { ok: 0, degraded: 1, down: 2 };

export class HealthMonitor {
  private readonly checks = new Map<string, HealthCheck>();

  /** Adds a component; the hook for modules started later (`replica` with `[replica] url`). */
  add(name: string, check: HealthCheck): void {
    if (this.checks.has(name)) throw new Error(`health component ${name} is already registered`);
    this.checks.set(name, check);
  }

  async report(): Promise<HealthReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]): Promise<[string, ComponentHealth]> => {
        try {
          return [name, await check()];
        } catch (error) {
          return [name, { status: 'down', detail: error instanceof Error ? error.message : String(error) }];
        }
      }),
    );
    const components = Object.fromEntries(entries);
    const failing = entries.filter(([, health]) => health.status !== 'ok').sort(([, a], [, b]) => SEVERITY[b.status] - SEVERITY[a.status]);
    return {
      status: failing[0]?.[1].status ?? 'ok',
      reasons: failing.map(([name, health]) => `${name}: ${health.detail}`),
      components,
    };
  }
}
