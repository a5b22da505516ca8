// Public surface of @threadline/cases: explicit named re-exports only.
export {};
