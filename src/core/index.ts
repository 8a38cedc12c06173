/**
 * The public surface of the engine (src/core): pure TypeScript, no DOM, Node or onnxruntime, so the worker, the UI
 * and the CLI all import from here.
 */
export * from './errors';
export * from './model';
export * from './rng';
export * from './sampling';
export * from './tree';
export * from './mask';
export * from './tree-cursor';
export * from './draft-context';
export * from './step';
export * from './verify';
export * from './strategy';
export * from './generate';
export * from './metrics';
export * from './bootstrap';
export * from './budget';
export * from './budget-chooser';
export * from './trace';
export * from './heap';
export * from './builders/types';
export * from './builders/chain';
export * from './builders/fixed';
export * from './builders/sequoia';
export * from './builders/dyspec';
export * from './builders/dyspec-threshold';
