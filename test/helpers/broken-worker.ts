// A worker for WorkerPool tests that fails while loading, like a worker whose modules are missing.
throw new Error('this worker cannot start');
