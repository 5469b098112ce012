export { launchers, getLauncher, launcherIds, isLauncherId } from './registry.ts';
export { execLauncher, parseExecSpec, splitTemplate, expandTemplate, adapterLauncher, userLauncherId } from './user.ts';
export type { AdapterDefinition, ExecSpec } from './user.ts';
export { loadConfig, findConfig, ConfigError, CONFIG_FILE_NAMES } from './config.ts';
export type { FdauditConfig, LoadedConfig } from './config.ts';
export { LauncherTimeoutError } from './process.ts';
export * as scenarios from './scenarios.ts';
export type * from './types.ts';
