// How a JSON value's shape is described by a (dereferenced) schema, with allOf/oneOf/anyOf merged:
// the properties an object may have, what it says about others, and what an array holds. Used by
// the policies that walk bodies alongside their schema (response filtering, mass assignment).

export interface ObjectView {
  readonly properties: Map<string, any>;
  /** undefined: nothing said (free-form); true/false; or a schema for the extra properties. */
  readonly additional: boolean | Record<string, any> | undefined;
  readonly declaresShape: boolean;
}

export function itemsOf(schema: any): any {
  if (schema.items && typeof schema.items === 'object') return schema.items;
  for (const k of ['allOf', 'oneOf', 'anyOf']) {
    for (const sub of Array.isArray(schema[k]) ? schema[k] : []) {
      const items = itemsOf(sub ?? {});
      if (items) return items;
    }
  }
  return undefined;
}

const views = new WeakMap<object, ObjectView>();

/** The merged view of an object schema; computed once per schema object (schemas are immutable after load). */
export function objectView(schema: any): ObjectView {
  let view = views.get(schema);
  if (view === undefined) views.set(schema, (view = computeView(schema, new Set<object>())));
  return view;
}

function computeView(schema: any, seen: Set<object>): ObjectView {
  const properties = new Map<string, any>();
  let additional: ObjectView['additional'];
  let declaresShape = false;
  const visit = (s: any) => {
    if (s === null || typeof s !== 'object' || seen.has(s)) return;
    seen.add(s);
    if (s.properties && typeof s.properties === 'object') {
      declaresShape = true;
      for (const [k, v] of Object.entries(s.properties)) if (!properties.has(k)) properties.set(k, v);
    }
    const a = s.additionalProperties ?? (s.unevaluatedProperties === false ? false : undefined);
    if (a !== undefined) {
      // The most permissive statement wins across combined schemas.
      if (a === true || (typeof a === 'object' && additional !== true)) additional = a;
      else if (a === false && additional === undefined) additional = false;
      declaresShape = true;
    }
    for (const k of ['allOf', 'oneOf', 'anyOf']) for (const sub of Array.isArray(s[k]) ? s[k] : []) visit(sub);
  };
  visit(schema);
  return { properties, additional, declaresShape };
}
