/**
 * lib/models/index.ts — the models by name, as `--model` spells them.
 */
import type { Model, ModelSettings } from './model';
import { SharedModel } from './shared';

export const modelNames = ['shared'] as const;
export type ModelName = (typeof modelNames)[number];

export function createModel(name: ModelName, settings: ModelSettings): Model {
  switch (name) {
    case 'shared':
      return new SharedModel(settings);
  }
}
