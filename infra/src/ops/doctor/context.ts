import type { Admin, Kafka } from 'kafkajs';
import { opsKafka } from '../kafka.js';
import type { OpsSettings } from '../settings.js';

/** What every check shares: settings and one Kafka admin connection, opened once on first use. */
export interface DoctorDeps {
  settings: OpsSettings;
  kafka: Kafka;
  admin(): Promise<Admin>;
  close(): Promise<void>;
}

export function createDoctorDeps(settings: OpsSettings): DoctorDeps {
  const kafka = opsKafka(settings.KAFKA_BROKERS, 'cellstream-doctor', { fast: true });
  let connected: Promise<Admin> | undefined;
  return {
    settings,
    kafka,
    admin() {
      connected ??= (async () => {
        const admin = kafka.admin();
        await admin.connect();
        return admin;
      })();
      return connected;
    },
    async close() {
      if (!connected) return;
      const admin = await connected.catch(() => undefined);
      await admin?.disconnect().catch(() => {});
    },
  };
}

/** GET with a deadline; network errors come back as `{ error }` instead of throwing. */
export async function probe(
  url: string,
  timeoutMs: number,
  init: RequestInit = {},
): Promise<{ status: number; body: string } | { error: string; timedOut: boolean }> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const timedOut = (error as Error).name === 'TimeoutError';
    return {
      error: timedOut ? `no answer within ${timeoutMs} ms` : (cause?.code ?? (error as Error).message),
      timedOut,
    };
  }
}

/** How long one probe may take inside a check: a share of the check's own deadline. */
export function probeTimeout(settings: OpsSettings): number {
  return Math.max(500, Math.floor(settings.DOCTOR_TIMEOUT_MS / 2));
}
