// One full garbage collection once the gateway is compiled, before it takes traffic (and after a
// reload). Loading a config leaves tens of megabytes of garbage behind (YAML and spec documents,
// ajv's code generation). Measured on the passthrough benchmark: until a major GC happens to clear
// it, that garbage keeps the young generation's short-lived request objects alive through
// scavenges (they are promoted, then die old), and the request path costs 40-90% more CPU (56 vs
// 96-108 µs per request for the same minimal proxy with and without the gateway's modules loaded;
// one collection after loading brings it back to 53-60). V8 would get there by itself only after
// the old generation reaches its limit, which can take minutes of traffic.
// The collector is reached without `--expose-gc` on the command line: the flag is set just long
// enough to create one context that holds `gc`, so no other code ever sees it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/** Runs a full, synchronous garbage collection (tens of milliseconds on a freshly loaded gateway). */
export function settleHeap(): void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    try {
      collect = runInNewContext('gc') as () => void;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  collect();
}
