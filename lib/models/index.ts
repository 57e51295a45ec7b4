/**
 * lib/models/index.ts — a model by its `--model` name, and what a model can show without running.
 */
import { ClusterModel } from './cluster';
import { LeastLoadedModel } from './least-loaded';
import type { Model, ModelSettings } from './model';
import type { ModelName } from './names';
import { nginxConfig, NginxModel } from './nginx';
import { ReusePortModel } from './reuseport';
import { RoundRobinModel } from './rr';
import { FreeRoundRobinModel } from './rr-free';
import { PipelinedRoundRobinModel } from './rr-pipelined';
import { SharedModel } from './shared';

export function createModel(name: ModelName, settings: ModelSettings): Model {
  switch (name) {
    case 'shared': return new SharedModel(settings);
    case 'rr': return new RoundRobinModel(settings);
    case 'rr-free': return new FreeRoundRobinModel(settings);
    case 'rr-pipelined': return new PipelinedRoundRobinModel(settings);
    case 'least-loaded': return new LeastLoadedModel(settings, settings.scheduler ?? undefined);
    case 'reuseport': return new ReusePortModel(settings);
    case 'nginx': return new NginxModel(settings);
    case 'cluster-rr': return new ClusterModel(settings, 'rr');
    case 'cluster-none': return new ClusterModel(settings, 'none');
  }
}

/** The config file a model would run a program with (nginx's, for --print-config), or null if it runs none. */
export function programConfig(name: ModelName, settings: ModelSettings): string | null {
  return name === 'nginx' ? nginxConfig(settings, settings.port, '<temporary directory>') : null;
}
