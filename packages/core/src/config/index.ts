export type { ConfigErrorCode } from "./load.ts";
export { ConfigError, defineConfig, formatPath, loadConfig, parseConfig } from "./load.ts";
export type { ScheduleExpression, ScheduleExpressionResult } from "./schedule-expression.ts";
export { isTimeZone, parseScheduleExpression } from "./schedule-expression.ts";
export type { ScheduleDefinition } from "./schedules.ts";
export { formatScheduleExpression, scheduleDefinitions, scheduleName } from "./schedules.ts";
export type {
  AlarmMatch,
  ClusterConfig,
  CommandMatch,
  DrainActionConfig,
  FreezeWindow,
  GuardDefaults,
  HomeostatConfig,
  HomeostatConfigInput,
  InstanceMatch,
  NodeDisruptionBudget,
  Policy,
  PolicyAction,
  PolicyGuard,
  PolicyMatch,
  RolloutStalledMatch,
  ScaleAction,
  ScheduleEntry,
  ScheduleMatch,
  SlackCommandRule,
  SlackCommandsConfig,
  SlackConfig,
  SlackRoute,
  SlackVerbosity,
  WorkloadTargetConfig,
} from "./schema.ts";
export { homeostatConfigSchema } from "./schema.ts";
export { READ_ONLY_VERBS } from "./schema-slack-commands.ts";
