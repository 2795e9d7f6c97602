// Heap in use after a full garbage collection: what is really retained, not what awaits collection.
// Needs `node --expose-gc` (the bench script passes it); without it the figures are null.

const gc = (globalThis as { gc?: () => void }).gc;

export const canMeasureHeap = (): boolean => gc !== undefined;

export async function heapAfterGc(): Promise<number | null> {
  if (!gc) return null;
  // Twice, with a turn of the event loop between: closed sockets and their buffers are freed in stages.
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return process.memoryUsage().heapUsed;
}
