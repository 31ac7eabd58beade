import { DATASOURCE_UID, FOLDER } from './common.ts';
import { CLICKHOUSE_PLUGIN_ID } from './query.ts';

/**
 * Where Grafana finds the dashboard JSON inside its container; docker-compose and the
 * Kubernetes manifests mount the generated `dashboards/` directory there.
 */
export const DASHBOARDS_PATH = '/var/lib/grafana/dashboards/behavior-rate';

/**
 * The ClickHouse data source. Connection details and credentials come from the
 * environment (Grafana expands `$VAR` in provisioning files), never from this file.
 */
export function datasourceProvisioning(): object {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: 'behavior-rate ClickHouse',
        uid: DATASOURCE_UID,
        type: CLICKHOUSE_PLUGIN_ID,
        access: 'proxy',
        isDefault: true,
        editable: false,
        jsonData: {
          host: '$CLICKHOUSE_HOST',
          port: '$CLICKHOUSE_HTTP_PORT',
          protocol: 'http',
          secure: false,
          username: '$CLICKHOUSE_USER',
          // The collector exporter's database; the sidecar's migrations use it too.
          defaultDatabase: 'default',
        },
        secureJsonData: { password: '$CLICKHOUSE_PASSWORD' },
      },
    ],
  };
}

/** File provider that loads the generated dashboards, read-only: the code is the source. */
export function dashboardProviderProvisioning(): object {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'behavior-rate',
        orgId: 1,
        folder: FOLDER,
        folderUid: FOLDER,
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path: DASHBOARDS_PATH, foldersFromFilesStructure: false },
      },
    ],
  };
}

/** Name of the contact point the policy routes every behavior-rate alert to. */
export const CONTACT_POINT = 'behavior-rate-alertmanager';

/**
 * Grafana alerts go to the external Alertmanager the Prometheus rules use too, so
 * one place silences and routes both.
 */
export function contactPointProvisioning(): object {
  return {
    apiVersion: 1,
    contactPoints: [
      {
        orgId: 1,
        name: CONTACT_POINT,
        receivers: [
          {
            uid: 'br-alertmanager',
            type: 'prometheus-alertmanager',
            settings: { url: '$ALERTMANAGER_URL' },
            disableResolveMessage: false,
          },
        ],
      },
    ],
    policies: [
      {
        orgId: 1,
        receiver: CONTACT_POINT,
        group_by: ['grafana_folder', 'alertname', 'behavior', 'model'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
      },
    ],
  };
}
