// A tiny router: the API has a dozen routes, not worth a framework.
import type * as http from 'node:http';
import { BadRequestError } from '../../../schema/src/errors';
import { isName } from '../../../schema/src/schema';

export interface RouteContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  req: http.IncomingMessage;
  res: http.ServerResponse;
}

/** A handler returns the JSON to answer with, or `undefined` when it answered itself (streams). */
export type Handler = (ctx: RouteContext) => Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
  /** The handler reads the request body itself (a stream, not JSON). */
  streamsBody: boolean;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, template: string, handler: Handler, options: { streamsBody?: boolean } = {}): this {
    const names: string[] = [];
    const pattern = new RegExp(
      '^' +
        template.replace(/:([a-z]+)/g, (_, name: string) => {
          names.push(name);
          return '([^/]+)';
        }) +
        '$',
    );
    this.routes.push({ method, pattern, names, handler, streamsBody: options.streamsBody ?? false });
    return this;
  }

  /** The matching route, `'method'` when only the method is wrong, or undefined. */
  match(method: string, pathname: string): { handler: Handler; params: Record<string, string>; streamsBody: boolean } | 'method' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = checkedParam(name, m[i + 1])));
      return { handler: route.handler, params, streamsBody: route.streamsBody };
    }
    return pathMatched ? 'method' : undefined;
  }
}

/**
 * Every route parameter is a namespace or a name: checked once here, before
 * any handler, with the model's name rule. Nothing like `..%2F`, `%00` or an
 * empty segment reaches the store or a path.
 */
function checkedParam(name: string, raw: string): string {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw new BadRequestError(`the ${name} in the URL is not valid percent-encoding`);
  }
  if (!isName(value)) {
    throw new BadRequestError(`the ${name} in the URL must start with a letter and have only letters, digits, '-' and '_' (no '--'), at most 63 characters`);
  }
  return value;
}
