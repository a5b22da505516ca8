// Public surface of @threadline/adapter-conformance.
export {};
