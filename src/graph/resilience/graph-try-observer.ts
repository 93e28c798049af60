import type { GraphResult, GraphTry } from '../graph-client';

/** Port: told of every try the resilient Graph client makes and every retry it decides on (the metrics listen). */
export interface GraphTryObserver {
  tried(operation: GraphTry['operation'], result: GraphResult<unknown>): void;
  retrying(operation: GraphTry['operation']): void;
}
