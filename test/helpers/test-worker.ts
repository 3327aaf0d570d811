import { parentPort } from 'node:worker_threads';

// A worker for WorkerPool tests: doubles numbers, and dies on 'die'.
parentPort?.on('message', (task: { kind: 'echo'; value: number } | { kind: 'die' }) => {
  if (task.kind === 'die') process.exit(3);
  parentPort!.postMessage({ ok: true, value: task.value * 2 });
});
