import { SandboxEndpoints, ServiceProcess } from './service-process';

/** One start of the service: the first (`initial`) or a restart after a kill in `mode` at wallet POST `atPost`. */
export interface Restart {
  mode: string;
  atPost: number;
  downMs: number;
  startupMs: number | null;
}

/**
 * Keeps one service child process running on a data dir across crashes: the test SIGKILLs it at chosen points
 * and a new one starts on the same data dir, while callers await `ready()` for whichever is up.
 */
export class CrashRestartSupervisor {
  current!: ServiceProcess;
  readonly all: ServiceProcess[] = [];
  readonly restarts: Restart[] = [];
  private readyPromise!: Promise<ServiceProcess>;
  private busy = false;

  constructor(
    private readonly dataDir: string,
    private readonly sandbox: SandboxEndpoints,
    private readonly env: Record<string, string>,
    /** The children's names are `<name>#<generation>`. */
    private readonly name: string,
  ) {}

  async start(): Promise<void> {
    this.readyPromise = this.spawn(1);
    this.current = await this.readyPromise;
    this.restarts.push({ mode: 'initial', atPost: 0, downMs: 0, startupMs: this.current.startupMs });
  }

  get restarting(): boolean {
    return this.busy;
  }

  ready(): Promise<ServiceProcess> {
    return this.readyPromise;
  }

  /** SIGKILL the running service, run `afterKill` (the wallet goes on, or not), start a new one on the same data dir. */
  async crash(mode: string, atPost: number, afterKill?: () => void): Promise<void> {
    if (this.busy) {
      // Already down and coming back: this kill point is skipped (but the wallet still goes on).
      afterKill?.();
      return;
    }
    this.busy = true;
    const killedAt = Date.now();
    let resolve!: (service: ServiceProcess) => void;
    let reject!: (error: unknown) => void;
    this.readyPromise = new Promise<ServiceProcess>((res, rej) => ((resolve = res), (reject = rej)));
    this.readyPromise.catch(() => undefined);
    try {
      await this.current.kill('SIGKILL');
      afterKill?.();
      const next = await this.spawn(this.all.length + 1);
      this.current = next;
      this.restarts.push({ mode, atPost, downMs: Date.now() - killedAt, startupMs: next.startupMs });
      resolve(next);
    } catch (error) {
      reject(error);
    } finally {
      this.busy = false;
    }
  }

  private async spawn(generation: number): Promise<ServiceProcess> {
    const service = await ServiceProcess.start({
      dataDir: this.dataDir,
      sandbox: this.sandbox,
      env: this.env,
      name: `${this.name}#${generation}`,
    });
    this.all.push(service);
    return service;
  }
}
