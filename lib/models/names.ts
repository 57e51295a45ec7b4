/**
 * lib/models/names.ts — the models by name, as `--model` spells them. A file of its own, so that
 * reading the flags does not load every model (and Node's cluster, and nginx's process code).
 */
export const modelNames = ['shared', 'rr', 'rr-idle', 'rr-pipelined', 'reuseport', 'nginx', 'cluster-rr', 'cluster-none'] as const;
export type ModelName = (typeof modelNames)[number];
