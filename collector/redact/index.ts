/** Redaction at ingest: secrets in agent traffic are replaced by `[REDACTED:<kind>]`, personal data by per-organization pseudonyms, before anything is queued or stored. */
export { compileRedactionRules, type CompileOptions, type RedactionRules } from './compile-rules.js';
export { DEFAULT_REDACTION_CONFIG, DETECTOR_ACTIONS, type RedactionConfig } from './redaction-config.js';
export { BUILT_IN_DETECTOR_NAMES } from './builtin-detectors.js';
export { DEFAULT_SECRET_KEYS } from './secret-keys.js';
export { redactLogRecords, redactSpans } from './redact-spans.js';
export { redactValue } from './redact-value.js';
export { hasPartialAddressWildcard, holdsPseudonymized, pseudonymizeQueryText, pseudonymizeSearch } from './pseudonymize-search.js';
