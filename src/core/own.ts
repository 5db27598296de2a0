// Reading a plain object by a name that comes from the config, an OpenAPI document or a client: only
// the object's own properties count. `record[name]` also finds what every object inherits (valueOf,
// constructor, toString, hasOwnProperty, __proto__...), which would pass for a configured value.
// Prefer a Map compiled at load; this is for objects read as they are (headers, claims, documents).

/** `record[name]` when it is an own property of `record`, else undefined. */
export function own<T>(record: Readonly<Record<string, T>> | null | undefined, name: string): T | undefined {
  return record !== undefined && record !== null && Object.hasOwn(record, name) ? record[name] : undefined;
}

/** `record[name] = value` as an own property, "__proto__" included (assigning that one sets the prototype). */
export function setOwn<T>(record: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(record, name, { value, writable: true, enumerable: true, configurable: true });
}
