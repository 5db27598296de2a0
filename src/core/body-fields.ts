// How the most lenient upstream parsers read a request body's Content-Type: as a form (PHP cuts the
// media type at ";", "," or a blank, Rack at ";" or ","), as multipart, or as JSON (Laravel's isJson():
// any type containing "/json" or "+json"; the text of a JSON body: json-text.ts). Checks that look
// for fields the upstream would read (method overrides, other copies of an owned parameter) read a
// body every way that applies.
export const FORM = 'application/x-www-form-urlencoded';

/** The media type as the most lenient form parser reads it, lower-cased. */
export function formMediaType(type: string): string {
  return type.trimStart().split(/[;,\s]/, 1)[0]!.toLowerCase();
}

export function readsAsForm(type: string): boolean {
  return formMediaType(type) === FORM;
}

export function readsAsMultipart(type: string): boolean {
  return formMediaType(type).startsWith('multipart/');
}

/** A Content-Type Laravel parses as JSON: any that contains "/json" or "+json", in any case. */
export function readsAsJson(type: string): boolean {
  return /[/+]json/i.test(type);
}

/** Whether any lenient parser reads fields from a body of this type. */
export function readsFields(type: string): boolean {
  return readsAsForm(type) || readsAsMultipart(type) || readsAsJson(type);
}
