/**
 * lib/models/names.ts — the models by name, as `--model` spells them. A file of its own, so that
 * reading the flags does not load every model (and Node's cluster, and nginx's process code).
 */
export const modelNames = ['shared', 'rr', 'rr-free', 'rr-pipelined', 'least-loaded', 'reuseport', 'nginx', 'cluster-rr', 'cluster-none'] as const;
export type ModelName = (typeof modelNames)[number];

/** The models where the master accepts every connection and hands it to a worker (master-accepts.ts). */
export const masterAcceptsModels: readonly ModelName[] = ['rr', 'rr-free', 'rr-pipelined', 'least-loaded'];
