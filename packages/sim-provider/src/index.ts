export { startSimProvider } from './server.ts';
export { buildSimApp, type SimApp } from './app.ts';
export { parseScenarioYaml } from './yaml-scenario.ts';
export { supportBotScenario } from './scenarios/support-bot.ts';
export type {
  SimAnswer,
  SimClockConfig,
  SimFaults,
  SimLatency,
  SimOutcome,
  SimProvider,
  SimProviderConfig,
  SimRecordedRequest,
  SimRule,
  SimScenario,
  SimScheduledChange,
  SimToolCall,
} from './types.ts';
