// The body of a fetch() answer as text, at most `max` bytes: a peer streaming without end (or
// announcing a huge Content-Length) gets an error, never the process's memory.
export async function readResponseText(res: Response, max: number): Promise<string> {
  if (Number(res.headers.get('content-length') ?? 0) > max) throw new Error(`the answer is larger than ${max} bytes`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body ?? []) {
    total += chunk.length;
    // Leaving the loop cancels the stream.
    if (total > max) throw new Error(`the answer is larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
