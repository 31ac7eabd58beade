/**
 * @behavior-rate/stats: pure statistics for behavior rates — binomial intervals,
 * two-proportion comparison, shift detection, alert-rule evaluation and the
 * detection-quality simulation that compares them.
 */

// Rates and intervals
export type { BehaviorRate, Interval, IntervalMethod, RateOptions } from './types.ts';
export { wilson, jeffreys, clopperPearson, zFor, INTERVAL_METHODS } from './binomial-intervals.ts';
export { ruleOfThreeUpper, clopperPearsonUpper, clopperPearsonLower } from './one-sided.ts';
export { rate } from './rate.ts';
export { exactCoverage, coverageTable, formatCoverageTable } from './coverage.ts';
export type { CoverageFigure, CoverageTableOptions } from './coverage.ts';

// Comparing two rates
export { twoProportionZTest } from './two-proportion.ts';
export type { TwoProportionComparison, TwoProportionOptions } from './two-proportion.ts';

// Per-minute series
export type { MinuteCount, MinuteSeries, MinuteCounts } from './minute-series.ts';
export { toMinuteSeries } from './minute-series.ts';

// Shift detection (Bernoulli CUSUM) and its calibration
export { BernoulliCusum, cusumWeights, cusumIncrement, cusumStep, cusumSeries, cusumFromRunningSum, defaultShiftedRate } from './cusum.ts';
export type { CusumRates, CusumWeights, CusumSeriesOptions, CusumSeriesResult, BernoulliCusumOptions, CusumObservation } from './cusum.ts';
export { calibrateThreshold, cusumIncrements, cusumAlarmFlags, countCusumPages, cusumThresholdFor } from './cusum-calibration.ts';
export type { CusumCalibrationOptions, CusumCalibration } from './cusum-calibration.ts';

// Baseline alert rules
export { SRE_BURN_RATE_RULES, burnRateAlerts, burnRateScore } from './burn-rate.ts';
export type { BurnRateRule, BurnRateOptions, BurnRateAlerts } from './burn-rate.ts';
export { staticThresholdAlerts, windowRateScore } from './static-threshold.ts';
export type { StaticThresholdOptions } from './static-threshold.ts';

// Counting pages and choosing thresholds
export { DEFAULT_REPEAT_MINUTES, PageCounter, pageMinutes, countScorePages, smallestPassingThreshold, allowedCalibrationPages } from './alarm-counting.ts';
export { poissonCdf, poissonUpperBound } from './poisson.ts';

// Simulation
export { binomialSampler, simulateTraffic, callsAt } from './traffic.ts';
export type { BinomialSampler, CallVolume, TrafficOptions } from './traffic.ts';
export { simulateDetection } from './detection.ts';
export type { DetectionScenario, DetectorName, DetectorResult, DelayFigure } from './detection.ts';
export { formatDetectionTable, compareDelays, DETECTOR_LABELS } from './detection-report.ts';
export type { ScenarioResults, DelayComparison } from './detection-report.ts';
