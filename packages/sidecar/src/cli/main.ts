import { BehaviorConfigError } from '../behaviors/config.ts';
import { CanaryConfigError } from '../canary/config.ts';
import { ConfigError } from '../config.ts';
import { StoreQueryError, StoreUnavailableError } from '../store/store.ts';
import { CommandError, UsageError, type Command } from './command.ts';
import { behaviorsCommand } from './behaviors.ts';
import { canaryCommand } from './canary.ts';
import { driftCommand } from './drift.ts';
import { fingerprintsCommand } from './fingerprints.ts';
import { trafficMixCommand } from './traffic-mix.ts';
import { ratesCommand } from './rates.ts';
import { rulesCommand } from './rules.ts';
import { serveCommand } from './serve.ts';
import { replayCommand } from './replay.ts';
import { postmortemCommand } from './postmortem.ts';

/** Failures that are the environment's or the input's, not a bug: a message, no stack, exit 1. */
const EXPECTED_FAILURES = [CommandError, ConfigError, BehaviorConfigError, CanaryConfigError, StoreUnavailableError, StoreQueryError];

/** Every subcommand; each lives in its own file. */
const COMMANDS: Command[] = [serveCommand, ratesCommand, behaviorsCommand, rulesCommand, canaryCommand, driftCommand, fingerprintsCommand, trafficMixCommand, replayCommand, postmortemCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `behavior-rate: LLM behavior rates with confidence intervals\n\nUsage: behavior-rate <command> [options]\n\n${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}\n\nbehavior-rate <command> --help for its options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    console.error(`behavior-rate: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`behavior-rate ${name}: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    if (error instanceof Error && EXPECTED_FAILURES.some((kind) => error instanceof kind)) {
      console.error(`behavior-rate ${name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
