import {
  type CompiledExpression,
  compileExpression,
  isThreadlineError,
  ThreadlineError,
} from '@threadline/core';

/** Which roots an expression may read, per place in the workflow. */
export type ExpressionRoots = readonly ('task' | 'worker' | 'workers')[];

/**
 * Compiles a workflow expression with core's rule language and checks that it reads only the
 * allowed roots. Errors become `CONFIG` errors naming the workflow path.
 */
export function compileWorkflowExpression(
  source: string,
  path: readonly (string | number)[],
  roots: ExpressionRoots,
): CompiledExpression {
  let compiled: CompiledExpression;
  try {
    compiled = compileExpression(source);
  } catch (error) {
    const message = isThreadlineError(error) ? error.message : String(error);
    throw new ThreadlineError('CONFIG', `Invalid workflow: ${formatPath(path)}: ${message}`, {
      cause: error,
      issues: [{ path, message, code: 'invalid_expression' }],
    });
  }
  for (const ref of compiled.references) {
    const root = ref.split(/[.[]/, 1)[0] as string;
    if (!(roots as readonly string[]).includes(root)) {
      const message = `"${ref}" is not available here (allowed roots: ${roots.join(', ')})`;
      throw new ThreadlineError('CONFIG', `Invalid workflow: ${formatPath(path)}: ${message}`, {
        issues: [{ path, message, code: 'invalid_reference' }],
      });
    }
  }
  return compiled;
}

/** The `task.*` paths an expression reads (they decide which tasks can share a worker set). */
export function taskReferences(expr: CompiledExpression): (readonly (string | number)[])[] {
  const out: (readonly (string | number)[])[] = [];
  expr.paths.forEach((p) => {
    if (p[0] === 'task') out.push(p.slice(1) as (string | number)[]);
  });
  return out;
}

function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
