/** One lever on the rate, as a checklist item: what to do, and how its effect will be measured. */
export interface ChangeItem {
  lever: string;
  action: string;
  measure: string;
}

/**
 * "What We Changed Anyway": the levers that move behavior rates, seeded for this incident.
 * Each says how the rate will be measured afterwards, so the change is judged by a rate
 * with an interval rather than by a single replay.
 */
export function changesAnyway(behavior: string, traceId: string, replays: number): ChangeItem[] {
  const n = Math.max(400, replays);
  return [
    {
      lever: 'Prompt tightening',
      action: `State the fact the ${behavior} answer gets wrong explicitly in the system prompt, with the one allowed form of the answer.`,
      measure: `Replay the tightened request (\`behavior-rate replay --request tightened.json -n ${n}\`) and compare its interval with this run's; after release, \`behavior-rate rates --behavior ${behavior} --since 7d\` against the week before.`,
    },
    {
      lever: 'Deterministic guard downstream',
      action: `Check every answer for ${behavior} in code before it reaches the user (validator or rule), and report each trip as the behavior flag \`${behavior}\`.`,
      measure: `The guard's trips per minute are the model's rate, still measured; the rate users see is the trips that got through (0 by construction, verified by sampling).`,
    },
    {
      lever: 'Incident added to the canary set',
      action: `\`behavior-rate canary add --from-trace ${traceId}\`, so this input is asked every minute.`,
      measure: 'The case\'s bad-answer share per minute and the canary drift score; a rise pages through the drift alert.',
    },
    {
      lever: 'Context entropy reduction',
      action: 'Make the context deterministic: fixed retrieval order, fewer and shorter chunks, a pinned index version, temperature 0.',
      measure: `Replay the reduced-context request -n ${n}; the rate must fall with non-overlapping intervals before it counts as a fix.`,
    },
  ];
}
