import { sleep } from '@cellstream/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Classroom, provisionClassroom } from './support/classroom.js';
import { groupLag } from './support/kafka.js';
import { EventLoad } from './support/load.js';
import { mib, rssBytes } from './support/memory.js';
import { Pipeline, type PipelineApp, pipelineApps } from './support/pipeline.js';
import { faultProfile } from './support/profile.js';
import { writeResult } from './support/results.js';
import { waitUntilStored } from './support/verify.js';

/**
 * Item 8: a steady load for FAULTS_PROFILE's soak time (30 minutes in the full form) with every
 * app's RSS and every consumer group's lag sampled. The bound: no app's RSS at the end exceeds
 * 1.5 × its peak during the warm-up (the first quarter) plus 32 MiB, the lag in the second half
 * stays under 5 s of load, and every acknowledged event is stored at the end.
 */
const profile = faultProfile();
const SAMPLE_MS = 5_000;
const rssBound = (warm: number) => warm * 1.5 + 32 * 1048576;

describe('item 8: soak', () => {
  let pipeline: Pipeline;
  let classroom: Classroom;

  beforeAll(async () => {
    pipeline = await Pipeline.start('soak');
    classroom = await provisionClassroom(pipeline.url('lms-api'), pipeline.env, { classes: 4, students: 40 });
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  it(
    'keeps memory and lag bounded under a steady load',
    async () => {
      const load = new EventLoad(pipeline.url('ingest'), classroom.students, { rate: profile.loadRate });
      const groups = [
        pipeline.env.PERSISTER_PG_GROUP_ID as string,
        pipeline.env.PERSISTER_INFLUX_GROUP_ID as string,
        pipeline.env.AGGREGATOR_GROUP_ID as string,
      ];
      const samples: { atMs: number; rss: Partial<Record<PipelineApp, number>>; lag: number }[] = [];
      const started = Date.now();
      load.start();
      while (Date.now() - started < profile.soakMs) {
        await sleep(SAMPLE_MS);
        const rss: Partial<Record<PipelineApp, number>> = {};
        for (const app of pipelineApps) rss[app] = rssBytes(pipeline.app(app).pid) ?? 0;
        const lag = await groupLag(pipeline.kafka(), pipeline.topic('learningEvents'), groups);
        samples.push({ atMs: Date.now() - started, rss, lag: Math.max(...Object.values(lag)) });
      }
      await load.stop();
      const stored = await waitUntilStored(pipeline, load);

      const warmUp = samples.filter((sample) => sample.atMs <= profile.soakMs / 4);
      const secondHalf = samples.filter((sample) => sample.atMs > profile.soakMs / 2);
      const last = samples.slice(-3);
      const rows = pipelineApps.map((app) => {
        const warm = Math.max(...warmUp.map((sample) => sample.rss[app] ?? 0));
        const end = Math.max(...last.map((sample) => sample.rss[app] ?? 0));
        const peak = Math.max(...samples.map((sample) => sample.rss[app] ?? 0));
        return { app, warm, end, peak, ok: end <= rssBound(warm) };
      });
      const maxLagSecondHalf = Math.max(0, ...secondHalf.map((sample) => sample.lag));
      const lagBound = profile.loadRate * 5;

      const result = {
        item: 8,
        title: 'Soak',
        method: `${classroom.students.length} students in ${classroom.classes.length} classes posting ${profile.loadRate} events/s for ${profile.soakMs / 60_000} min through the whole pipeline; every ${SAMPLE_MS / 1000} s the RSS of each app and the largest lag of the three consumer groups of the events topic. Bounds: RSS at the end ≤ 1.5 × the warm-up peak (first quarter) + 32 MiB; lag in the second half ≤ ${lagBound} records (5 s of load).`,
        figures: {
          soakMinutes: Math.round(profile.soakMs / 6_000) / 10,
          samples: samples.length,
          eventsAcknowledged: stored.acknowledged,
          missing: stored.missing,
          maxLagSecondHalf,
          lagBound,
        },
        tables: [
          {
            title: 'RSS per app (MiB)',
            columns: ['app', 'warm-up peak', 'end', 'peak', 'bound', 'within'],
            rows: rows.map((row) => [
              row.app,
              mib(row.warm),
              mib(row.end),
              mib(row.peak),
              mib(rssBound(row.warm)),
              row.ok ? 'yes' : '**no**',
            ]),
          },
          {
            title: 'Samples (every minute at most)',
            columns: ['t (s)', 'largest group lag', ...pipelineApps.map((app) => `${app} RSS (MiB)`)],
            rows: samples
              .filter((_, index) => index % Math.max(1, Math.round(60_000 / SAMPLE_MS)) === 0)
              .map((sample) => [
                Math.round(sample.atMs / 1000),
                sample.lag,
                ...pipelineApps.map((app) => mib(sample.rss[app] ?? 0)),
              ]),
          },
        ],
        passed: false,
      };
      writeResult('08-soak', result);

      expect(stored.missing).toBe(0);
      expect(rows.filter((row) => !row.ok).map((row) => row.app)).toEqual([]);
      expect(maxLagSecondHalf).toBeLessThanOrEqual(lagBound);
      writeResult('08-soak', { ...result, passed: true });
    },
    profile.soakMs + 10 * 60_000,
  ); // the soak itself, then the checks and the draining at the end
});
