export { BehaviorRateInstrumentation, type InstrumentableModules } from './instrumentation.ts';
export { withUncontrolledInputs } from './uncontrolled-inputs.ts';
export { requestFromSpanAttributes } from './replay.ts';
export { toolSchemaHash, promptTemplateHash } from './hashing.ts';
export type {
  BehaviorClassifier,
  BehaviorRateInstrumentationConfig,
  FinishedCall,
  ReplayRequest,
  ToolCall,
  UncontrolledInputs,
} from './types.ts';
