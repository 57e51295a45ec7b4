/**
 * lib/models/index.ts — the models by name, as `--model` spells them.
 */
import { ClusterModel } from './cluster';
import type { Model, ModelSettings } from './model';
import { NginxModel } from './nginx';
import { ReusePortModel } from './reuseport';
import { RoundRobinModel } from './rr';
import { IdleRoundRobinModel } from './rr-idle';
import { SharedModel } from './shared';

export const modelNames = ['shared', 'rr', 'rr-idle', 'reuseport', 'nginx', 'cluster-rr', 'cluster-none'] as const;
export type ModelName = (typeof modelNames)[number];

export function createModel(name: ModelName, settings: ModelSettings): Model {
  switch (name) {
    case 'shared': return new SharedModel(settings);
    case 'rr': return new RoundRobinModel(settings);
    case 'rr-idle': return new IdleRoundRobinModel(settings);
    case 'reuseport': return new ReusePortModel(settings);
    case 'nginx': return new NginxModel(settings);
    case 'cluster-rr': return new ClusterModel(settings, 'rr');
    case 'cluster-none': return new ClusterModel(settings, 'none');
  }
}
