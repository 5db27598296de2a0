// Calls `onChange` (debounced) when the config file or a file it references changes. Editors often
// replace files instead of writing them, so a watcher that saw its file vanish is set up again.
import { watch, type FSWatcher } from 'node:fs';

export function watchFiles(files: readonly string[], onChange: () => void, debounceMs = 300): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watchers = new Map<string, FSWatcher>();
  const trigger = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      for (const file of files) if (!watchers.has(file)) add(file);
      onChange();
    }, debounceMs);
  };
  const add = (file: string) => {
    try {
      const w = watch(file, { persistent: false }, (event) => {
        if (event === 'rename') {
          w.close();
          watchers.delete(file);
        }
        trigger();
      });
      w.on('error', () => watchers.delete(file));
      watchers.set(file, w);
    } catch {
      // missing right now (being replaced); picked up again on the next change
    }
  };
  for (const file of files) add(file);
  return () => {
    clearTimeout(timer);
    for (const w of watchers.values()) w.close();
  };
}
