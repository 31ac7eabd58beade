import { parseArgs } from 'node:util';
import { runDemo, type DemoRun } from './demo.ts';

// `npm run demo`: the whole pipeline on one machine, then the numbers and where to look next.

const percent = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : `${(value * 100).toFixed(2)}%`);

function report(run: DemoRun): string {
  const lines = [
    '',
    `Wrong-SLA answers ("seven hours" instead of "seven days"), by system fingerprint — ${run.sent} calls, 95% Wilson intervals`,
    '',
    'fingerprint        calls   wrong   rate     95% interval           configured',
  ];
  for (const row of run.rates) {
    lines.push(
      `${row.fingerprint.padEnd(18)} ${String(row.calls).padStart(5)}   ${String(row.hits).padStart(5)}   ${percent(row.rate).padStart(6)}   ` +
        `[${percent(row.ciLow)}, ${percent(row.ciHigh)}]`.padEnd(22) +
        ` ${percent(row.configured)}`,
    );
  }
  const query = new URLSearchParams({ behavior: 'wrong_sla', by: 'fingerprint', from: run.from.toISOString(), to: run.to.toISOString() });
  lines.push(
    '',
    'The same prompt, model and seed answered wrong at a different rate after the provider changed backend:',
    'one bad answer was a draw from that rate. No prompt or answer text left the app; only the wrong_sla flag did.',
    '',
    'Where to look next:',
    `  web UI             ${run.sidecar.apiUrl}/`,
    `  rates API          curl '${run.sidecar.apiUrl}/api/v1/rates?${query}'`,
    `  fingerprints       curl '${run.sidecar.apiUrl}/api/v1/fingerprints?from=${run.from.toISOString()}&to=${run.to.toISOString()}'`,
    `  CLI                BEHAVIOR_RATE_URL=${run.sidecar.apiUrl} npx behavior-rate rates --behavior wrong_sla --by fingerprint --since 1h`,
    '  the app            packages/otel/demo/support-bot.ts (instrumentation setup: packages/otel/demo/telemetry.ts)',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string' },
      'calls-per-minute': { type: 'string' },
      seed: { type: 'string' },
      port: { type: 'string' },
      'otlp-port': { type: 'string' },
      'no-serve': { type: 'boolean' },
    },
  });
  const number = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));
  const run = await runDemo({
    simulatedMinutes: number(values.minutes),
    callsPerMinute: number(values['calls-per-minute']),
    seed: number(values.seed),
    apiPort: number(values.port),
    otlpPort: number(values['otlp-port']),
    log: (line) => process.stderr.write(`  … ${line}\n`),
  });
  process.stdout.write(`${report(run)}\n`);
  if (values['no-serve'] === true) {
    await run.close();
    return;
  }
  process.stdout.write('\nThe sidecar keeps running so you can look around. Ctrl-C to stop.\n');
  const stop = (): void => {
    void run.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
