// Public surface of @threadline/insights: explicit named re-exports only.
export {};
