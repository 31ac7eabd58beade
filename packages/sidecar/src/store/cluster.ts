/**
 * One migration set for one node and for a cluster: the SQL files are written for a
 * single node, and on a cluster each statement is rendered with `ON CLUSTER` and a
 * Replicated engine. Nothing else changes, so both deployments get the same schema.
 */

/** How migrations are rendered for a ClickHouse cluster. */
export interface ClusterOptions {
  /** Cluster name as declared in the servers' `remote_servers` (e.g. the operator's cluster name). */
  name: string;
  /**
   * Keeper path of each replicated table. Default
   * `/clickhouse/tables/{shard}/{database}/{table}`: the `{shard}` macro keeps shards apart,
   * `{database}`/`{table}` keep tables apart.
   */
  zooKeeperPath?: string;
  /** Replica name. Default `{replica}`, the macro the clickhouse-operator sets on every pod. */
  replicaName?: string;
}

const DEFAULT_PATH = '/clickhouse/tables/{shard}/{database}/{table}';
const DEFAULT_REPLICA = '{replica}';

/** Cluster names are identifiers; quoting one keeps any hyphen legal. */
function clusterClause(options: ClusterOptions): string {
  if (!/^[A-Za-z0-9_-]+$/.test(options.name)) throw new Error(`cluster name must be [A-Za-z0-9_-]+, got ${JSON.stringify(options.name)}`);
  return `ON CLUSTER '${options.name}'`;
}

/** The object-naming head of each DDL statement kind, up to and including its name. */
const DDL_HEADS: readonly RegExp[] = [
  /^(CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[\w.`]+)/i,
  /^(CREATE\s+MATERIALIZED\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?[\w.`]+)/i,
  /^(CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?[\w.`]+)/i,
  /^(ALTER\s+TABLE\s+[\w.`]+)/i,
  /^(DROP\s+(?:TABLE|VIEW)\s+(?:IF\s+EXISTS\s+)?[\w.`]+)/i,
];

/** `ENGINE = <Family>MergeTree[(args)]`, the engines replication applies to. */
const MERGE_TREE_ENGINE = /\bENGINE\s*=\s*(\w*MergeTree)\b(?:\(([^()]*)\))?/;

/**
 * Renders one single-node statement for a cluster: `ON CLUSTER` after the object name
 * of every DDL statement, and `Replicated…MergeTree(path, replica[, original args])`
 * for every MergeTree-family engine. Returns the statement unchanged without options.
 */
export function renderForCluster(statement: string, options: ClusterOptions | undefined): string {
  if (options === undefined) return statement;
  let rendered = statement;
  const head = DDL_HEADS.map((pattern) => pattern.exec(rendered)).find((match) => match !== null);
  if (head !== undefined && head !== null) {
    rendered = `${head[1]} ${clusterClause(options)}${rendered.slice(head[1].length)}`;
  }
  rendered = rendered.replace(MERGE_TREE_ENGINE, (whole: string, family: string, args: string | undefined) => {
    if (family.startsWith('Replicated')) return whole;
    const path = (options.zooKeeperPath ?? DEFAULT_PATH).replace(/'/g, "\\'");
    const replica = (options.replicaName ?? DEFAULT_REPLICA).replace(/'/g, "\\'");
    const rest = args === undefined || args.trim() === '' ? '' : `, ${args.trim()}`;
    return `ENGINE = Replicated${family}('${path}', '${replica}'${rest})`;
  });
  return rendered;
}
