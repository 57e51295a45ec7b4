/**
 * lib/models/index.ts — a model by its `--model` name.
 */
import { ClusterModel } from './cluster';
import type { Model, ModelSettings } from './model';
import type { ModelName } from './names';
import { NginxModel } from './nginx';
import { ReusePortModel } from './reuseport';
import { RoundRobinModel } from './rr';
import { IdleRoundRobinModel } from './rr-idle';
import { PipelinedRoundRobinModel } from './rr-pipelined';
import { SharedModel } from './shared';

export function createModel(name: ModelName, settings: ModelSettings): Model {
  switch (name) {
    case 'shared': return new SharedModel(settings);
    case 'rr': return new RoundRobinModel(settings);
    case 'rr-idle': return new IdleRoundRobinModel(settings);
    case 'rr-pipelined': return new PipelinedRoundRobinModel(settings);
    case 'reuseport': return new ReusePortModel(settings);
    case 'nginx': return new NginxModel(settings);
    case 'cluster-rr': return new ClusterModel(settings, 'rr');
    case 'cluster-none': return new ClusterModel(settings, 'none');
  }
}
