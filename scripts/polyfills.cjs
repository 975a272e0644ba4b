// Node 20 lacks Object.groupBy / Map.groupBy (Node 21+), which chevrotain 13 and
// langium-cli 4.4 call. VS Code's extension host and Node 22+ have them; this fills
// the gap on Node 20 without changing behaviour elsewhere.
'use strict';
if (typeof Object.groupBy !== 'function') {
  Object.defineProperty(Object, 'groupBy', {
    configurable: true, writable: true,
    value(items, key) {
      const out = Object.create(null);
      let i = 0;
      for (const item of items) {
        const k = key(item, i++);
        (out[k] ??= []).push(item);
      }
      return out;
    },
  });
}
if (typeof Map.groupBy !== 'function') {
  Object.defineProperty(Map, 'groupBy', {
    configurable: true, writable: true,
    value(items, key) {
      const out = new Map();
      let i = 0;
      for (const item of items) {
        const k = key(item, i++);
        const list = out.get(k);
        if (list) list.push(item); else out.set(k, [item]);
      }
      return out;
    },
  });
}
