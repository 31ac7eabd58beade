import { diag } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, isWrapped } from '@opentelemetry/instrumentation';
import { anthropicMessagesSurface } from './anthropic-messages.ts';
import { tracedCall, type CallRuntime } from './call-span.ts';
import type { ApiSurface } from './internal-types.ts';
import { openAiChatSurface } from './openai-chat.ts';
import { openAiResponsesSurface } from './openai-responses.ts';
import type { BehaviorRateInstrumentationConfig } from './types.ts';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.ts';

const CAPTURE_ENV = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';
const OPENAI_VERSIONS = ['>=4.19.0 <8'];
const ANTHROPIC_VERSIONS = ['>=0.20.0 <2'];

/** Strict boolean parse of the capture switch: only true/false (any case) count; anything else is ignored. */
function captureFromEnv(): boolean | undefined {
  const raw = process.env[CAPTURE_ENV]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  diag.warn(`behavior-rate: ignoring ${CAPTURE_ENV}=${raw} (expected true or false)`);
  return undefined;
}

type Method = (...args: unknown[]) => unknown;
interface Patchable {
  prototype: Record<string, unknown>;
}

/** The modules `manuallyInstrument` accepts: the SDK module namespace or its client class. */
export interface InstrumentableModules {
  openai?: unknown;
  anthropic?: unknown;
}

function exportsOf(module: unknown): Record<string, unknown> | undefined {
  if (module === null || (typeof module !== 'object' && typeof module !== 'function')) return undefined;
  const record = module as Record<string | symbol, unknown>;
  // ESM namespaces (import-in-the-middle) expose the CommonJS exports as `default`.
  if (record[Symbol.toStringTag] === 'Module' && record['default'] !== undefined) return record['default'] as Record<string, unknown>;
  return record as Record<string, unknown>;
}

function resource(module: unknown, clientName: string, path: string[]): Patchable | undefined {
  const exports = exportsOf(module);
  if (exports === undefined) return undefined;
  // The module's named client export, or the client class itself when that was passed.
  for (const root of [exports[clientName], exports]) {
    let node: unknown = root;
    for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
    const prototype = (node as Patchable | undefined)?.prototype;
    if (prototype !== undefined && typeof prototype['create'] === 'function') return node as Patchable;
  }
  return undefined;
}

const openAiTargets: [string[], ApiSurface][] = [
  [['Chat', 'Completions'], openAiChatSurface],
  [['Responses'], openAiResponsesSurface],
];
const anthropicTargets: [string[], ApiSurface][] = [[['Messages'], anthropicMessagesSurface]];

/**
 * OpenTelemetry instrumentation for the `openai` SDK (chat completions and the Responses API,
 * streamed or not) and the `@anthropic-ai/sdk` messages API. Use with `registerInstrumentations`
 * or NodeSDK; for bundled apps, where module hooks never fire, call {@link manuallyInstrument}.
 */
export class BehaviorRateInstrumentation extends InstrumentationBase<BehaviorRateInstrumentationConfig> {
  private readonly runtime: CallRuntime;

  constructor(config: BehaviorRateInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, { ...config, captureContent: config.captureContent ?? captureFromEnv() ?? false });
    const identity = (text: string): string => text;
    this.runtime = {
      tracer: () => this.tracer,
      enabled: () => this.isEnabled(),
      captureContent: () => this.getConfig().captureContent === true,
      redact: () => {
        const redact = this.getConfig().redact;
        if (typeof redact !== 'function') return identity;
        // A throwing redactor must not leak the unredacted text: it yields a placeholder.
        return (text: string): string => {
          try {
            return String(redact(text));
          } catch (error) {
            diag.error('behavior-rate: redact threw; content replaced by a placeholder', error);
            return '[redaction failed]';
          }
        };
      },
      behaviors: () => this.getConfig().behaviors,
    };
  }

  override setConfig(config: BehaviorRateInstrumentationConfig = {}): void {
    super.setConfig({ ...config, captureContent: config.captureContent ?? captureFromEnv() ?? false });
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        'openai',
        OPENAI_VERSIONS,
        (module: unknown) => this.patchAll(module, 'OpenAI', openAiTargets),
        (module: unknown) => this.unpatchAll(module, 'OpenAI', openAiTargets),
      ),
      new InstrumentationNodeModuleDefinition(
        '@anthropic-ai/sdk',
        ANTHROPIC_VERSIONS,
        (module: unknown) => this.patchAll(module, 'Anthropic', anthropicTargets),
        (module: unknown) => this.unpatchAll(module, 'Anthropic', anthropicTargets),
      ),
    ];
  }

  /**
   * Patches SDK modules the application already holds (bundled apps, or modules loaded before
   * the instrumentation). Pass the module namespace or the client class:
   * `manuallyInstrument({ openai: OpenAI, anthropic: Anthropic })`. Idempotent.
   */
  manuallyInstrument(modules: InstrumentableModules): void {
    if (modules.openai !== undefined) this.patchAll(modules.openai, 'OpenAI', openAiTargets);
    if (modules.anthropic !== undefined) this.patchAll(modules.anthropic, 'Anthropic', anthropicTargets);
  }

  /** Removes the patches `manuallyInstrument` applied. */
  manuallyUninstrument(modules: InstrumentableModules): void {
    if (modules.openai !== undefined) this.unpatchAll(modules.openai, 'OpenAI', openAiTargets);
    if (modules.anthropic !== undefined) this.unpatchAll(modules.anthropic, 'Anthropic', anthropicTargets);
  }

  private patchAll<T>(module: T, clientName: string, targets: [string[], ApiSurface][]): T {
    for (const [path, surface] of targets) {
      const target = resource(module, clientName, path);
      if (target === undefined) {
        diag.debug(`behavior-rate: ${clientName}.${path.join('.')} not found; not instrumented`);
        continue;
      }
      if (isWrapped(target.prototype['create'])) {
        // Already patched (by this or another instance): patches never stack, the first one records.
        diag.debug(`behavior-rate: ${clientName}.${path.join('.')}.create is already instrumented`);
        continue;
      }
      const runtime = this.runtime;
      this._wrap(target.prototype, 'create', (original: unknown) =>
        function instrumentedCreate(this: unknown, ...args: unknown[]): unknown {
          return tracedCall(runtime, surface, original as Method, this, args);
        },
      );
    }
    return module;
  }

  private unpatchAll(module: unknown, clientName: string, targets: [string[], ApiSurface][]): void {
    for (const [path] of targets) {
      const target = resource(module, clientName, path);
      if (target !== undefined && isWrapped(target.prototype['create'])) this._unwrap(target.prototype, 'create');
    }
  }
}
