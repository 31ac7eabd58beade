import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseBehaviorConfig } from '../src/behaviors/config.ts';
import { buildRules } from '../src/rules/build.ts';
import { renderRules } from '../src/rules/render.ts';
import { ALERTING_BEHAVIORS, minuteAgo, sendMinutes } from './alerting-helpers.ts';
import { freePort, startBinary, startWebhookReceiver, waitFor, type RunningBinary, type WebhookDelivery } from './alerting-processes.ts';
import { startTestServer, type TestServer } from './helpers.ts';

/** One hour of rule windows passes in two minutes: 5m → 10 s, 1h → 2 min, `for: 2m` → 4 s. */
const WINDOW_SCALE = 1 / 30;
const ALERTMANAGER_CONFIG = new URL('../../../deploy/alertmanager/alertmanager.yml', import.meta.url);

interface RouteConfig {
  group_wait?: string;
  group_interval?: string;
  routes?: RouteConfig[];
}

/** The repository's Alertmanager config with its receivers pointed at the test's webhook and its waits cut to a second. */
function testAlertmanagerConfig(webhookUrl: string): string {
  const config = parse(readFileSync(ALERTMANAGER_CONFIG, 'utf8')) as { route: RouteConfig; receivers: { name: string; webhook_configs?: { url: string }[] }[] };
  const shorten = (route: RouteConfig) => {
    route.group_wait = '1s';
    route.group_interval = '1s';
    route.routes?.forEach(shorten);
  };
  shorten(config.route);
  for (const receiver of config.receivers) for (const webhook of receiver.webhook_configs ?? []) webhook.url = `${webhookUrl}/${receiver.name}`;
  return stringify(config);
}

describe('end to end: a behavior shift pages through real Prometheus and Alertmanager', () => {
  let server: TestServer;
  let dir: string;
  let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let prometheus: RunningBinary | undefined;
  let alertmanager: RunningBinary | undefined;
  let prometheusUrl: string;

  /** The value of an instant query's first series, or undefined when it returns none. */
  const promValue = async (query: string): Promise<number | undefined> => {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
    const first = body.data.result[0];
    return first === undefined ? undefined : Number(first.value[1]);
  };
  const pages = (): WebhookDelivery['body']['alerts'] => webhook.deliveries.flatMap((d) => d.body.alerts.filter((a) => a.labels.severity === 'page' && a.status === 'firing'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'behavior-rate-alerting-'));
    server = await startTestServer({ behaviorsYaml: ALERTING_BEHAVIORS, config: { shiftIntervalMs: 1000, metricsRefreshMs: 0 } });
    // Some earlier traffic, so that the counter series exist before Prometheus first scrapes:
    // a series that appears already at N hides those N from increase().
    await sendMinutes(server.otlpUrl, [{ minute: minuteAgo(20), calls: 20, hits: 0 }]);
    webhook = await startWebhookReceiver();
    const [prometheusPort, alertmanagerPort] = [await freePort(), await freePort()];
    prometheusUrl = `http://127.0.0.1:${prometheusPort}`;

    const rules = buildRules(parseBehaviorConfig(ALERTING_BEHAVIORS, 'test').behaviors, { windowScale: WINDOW_SCALE });
    writeFileSync(join(dir, 'rules.yml'), renderRules(rules, 'test', WINDOW_SCALE));
    writeFileSync(join(dir, 'alertmanager.yml'), testAlertmanagerConfig(webhook.url));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(dir, 'rules.yml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${alertmanagerPort}`] }] }] },
        scrape_configs: [{ job_name: 'behavior-rate', static_configs: [{ targets: [new URL(server.apiUrl).host] }] }],
      }),
    );
    alertmanager = startBinary('prometheus-alertmanager', [
      `--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${alertmanagerPort}`, '--cluster.listen-address=',
    ], dir, 'alertmanager');
    prometheus = startBinary('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${prometheusPort}`,
    ], dir, 'prometheus');
    await waitFor('Alertmanager ready', async () => ((await fetch(`http://127.0.0.1:${alertmanagerPort}/-/ready`)).ok ? true : undefined), 20_000);
    await waitFor('Prometheus ready', async () => ((await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined), 20_000);
    // Counters must be scraped before the traffic arrives, so that it shows up as an increase.
    await waitFor('first scrape of the sidecar', () => promValue('behavior_rate_calls_total'), 20_000);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await webhook?.close();
    await server?.dispose();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers nothing while the rate stays at its objective', async () => {
    // Ten minutes of 30 calls each, one wrong answer in all: 0.33%, under the 0.4% objective.
    const now = Date.now();
    await sendMinutes(server.otlpUrl, Array.from({ length: 10 }, (_, i) => ({ minute: minuteAgo(12 - i, now), calls: 30, hits: i === 4 ? 1 : 0 })));
    await waitFor('Prometheus to see the traffic', () => promValue('behavior_rate:calls:increase1h > 0'), 20_000);
    // Long enough for a page to travel: rule `for` (4 s) + evaluation + group_wait (1 s) + delivery.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    expect(await promValue('behavior_rate_shift_statistic{behavior="wrong_sla",fingerprint=""}')).toBeGreaterThanOrEqual(0);
    expect(webhook.deliveries).toEqual([]);
  });

  it('pages with the behavior and its rate when the rate jumps', async () => {
    // Answers at 15%, 37× the objective, in bursts every few seconds until the pages arrive:
    // a real shift persists, and the 10 s short window must stay above the threshold for `for`.
    const wanted = ['BehaviorRateBudgetBurnFast', 'BehaviorRateShift'];
    let nextBurst = 0;
    const alerts = await waitFor(
      'the burn-rate and shift pages',
      async () => {
        if (Date.now() >= nextBurst) {
          await sendMinutes(server.otlpUrl, [{ minute: minuteAgo(2), calls: 200, hits: 30 }]);
          nextBurst = Date.now() + 4000;
        }
        return wanted.every((name) => pages().some((a) => a.labels.alertname === name)) ? pages() : undefined;
      },
      45_000,
    );
    for (const name of wanted) {
      const alert = alerts.find((a) => a.labels.alertname === name)!;
      expect(alert.labels).toMatchObject({ behavior: 'wrong_sla', severity: 'page' });
      // The rate as a percentage in the summary, and the investigation command in the runbook.
      expect(alert.annotations.summary).toMatch(/^wrong_sla.* rate \d+(\.\d+)?% /);
      expect(alert.annotations.runbook).toContain('behavior-rate rates --behavior wrong_sla');
    }
    // For docs/alerting.md: BEHAVIOR_RATE_E2E_DUMP=file writes what the pager received.
    if (process.env.BEHAVIOR_RATE_E2E_DUMP !== undefined) writeFileSync(process.env.BEHAVIOR_RATE_E2E_DUMP, JSON.stringify(webhook.deliveries, null, 2));
    const burn = alerts.find((a) => a.labels.alertname === 'BehaviorRateBudgetBurnFast')!;
    expect(burn.labels.long_window).toBe('1h');
    // The paged rate is the long window's: the 15% bursts diluted by the quiet minutes before them.
    const paged = Number(/rate (\d+(?:\.\d+)?)%/.exec(burn.annotations.summary!)![1]);
    expect(paged).toBeGreaterThan(5.76);
    expect(paged).toBeLessThan(16);
    expect(burn.annotations.description).toMatch(/95% CI \d+(\.\d+)?% – \d+(\.\d+)?%/);
    const shift = alerts.find((a) => a.labels.alertname === 'BehaviorRateShift')!;
    expect(Number(/rate (\d+(?:\.\d+)?)%/.exec(shift.annotations.summary!)![1])).toBeGreaterThan(10);
    // Every page went to the pager receiver.
    expect(webhook.deliveries.filter((d) => d.body.alerts.some((a) => a.labels.severity === 'page')).every((d) => d.path === '/pager')).toBe(true);
  });
});
