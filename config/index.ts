export { configSchema, type Config } from './schema.js';
export { loadConfig, ConfigError, configReference, envName, type LoadConfigOptions } from './load-config.js';
