// Public API of the attack-detection engine.
//
//   const detector = compileDetector({ paranoia: 2 });
//   const verdict = detector.inspectRequest({ method, path, rawQuery, headers, body, contentType });
//   if (verdict.blocked) ...
//
// Options are validated and everything is precompiled once; `inspect*` never throws.

import { ALL_DETECTORS } from './detectors/index.ts';
import { Engine, type EngineVerdict } from './engine.ts';
import { extractInputs as extract } from './extract/index.ts';
import { type DetectorOptions, resolveOptions } from './options.ts';
import type { Input, RequestLike } from './types.ts';

export type { ClassOptions, DetectorOptions, Exclusion } from './options.ts';
export { DetectOptionsError } from './options.ts';
export type { EngineVerdict } from './engine.ts';
export type { ExtractOptions } from './extract/index.ts';
export type { AttackClass, Input, InputLocation, Match, Paranoia, RequestLike, Verdict } from './types.ts';
export { ATTACK_CLASSES } from './types.ts';
export { extractInputs } from './extract/index.ts';

export interface CompiledDetector {
  inspect(inputs: readonly Input[]): EngineVerdict;
  inspectRequest(request: RequestLike): EngineVerdict;
  /** The inputs `inspectRequest` would look at (for logs and debugging). */
  extract(request: RequestLike): Input[];
}

export function compileDetector(options: DetectorOptions = {}): CompiledDetector {
  const resolved = resolveOptions(options);
  const engine = new Engine(ALL_DETECTORS, resolved);
  const failed = (): EngineVerdict => ({ blocked: resolved.onError === 'block', score: 0, matches: [], truncated: false, error: true });
  return {
    inspect(inputs) {
      try {
        return engine.inspect(inputs);
      } catch {
        return failed();
      }
    },
    inspectRequest(request) {
      try {
        return engine.inspect(extract(request, resolved.extract));
      } catch {
        return failed();
      }
    },
    extract(request) {
      return extract(request, resolved.extract);
    },
  };
}
