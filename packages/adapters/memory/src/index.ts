// Public surface of @threadline/adapter-memory.
export {};
