// Public surface of @threadline/routing: explicit named re-exports only.
export {};
