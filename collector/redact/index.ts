/** Redaction at ingest: secrets in agent traffic are replaced by `[REDACTED:<kind>]` before anything is queued or stored. */
export { compileRedactionRules, type RedactionRules } from './compile-rules.js';
export { DEFAULT_REDACTION_CONFIG, type RedactionConfig } from './redaction-config.js';
export { BUILT_IN_DETECTOR_NAMES } from './builtin-detectors.js';
export { redactSpans } from './redact-spans.js';
export { redactValue } from './redact-value.js';
