// A small client of the Kubernetes API over HTTPS with a bearer token: what
// lttle needs (apply, get, list, status) without @kubernetes/client-node,
// whose 2.x needs a newer Node than the project runs and whose 1.x pulls in a
// deprecated request stack.
import * as https from 'node:https';

export interface KubeEndpoint {
  server: string;
  /** PEM of the CA that signed the API server's certificate (else the system's CAs). */
  ca?: string;
  token?: string;
  /** A client certificate and its key (PEM), instead of a token. */
  cert?: string;
  key?: string;
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
}

/** The Status object the API server answers errors with. */
export interface KubeStatus {
  kind: 'Status';
  message?: string;
  reason?: string;
  details?: { causes?: { field?: string; message?: string; reason?: string }[] };
}

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly kubeStatus: KubeStatus | undefined,
    what: string,
  ) {
    super(`${what}: ${kubeStatus?.message ?? `HTTP ${status}`}`);
    this.name = 'KubeApiError';
  }
}

export class KubeClient {
  constructor(readonly endpoint: KubeEndpoint) {}

  request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<KubeResponse<T>> {
    const url = new URL(path, this.endpoint.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ca: this.endpoint.ca,
          cert: this.endpoint.cert,
          key: this.endpoint.key,
          headers: {
            ...(this.endpoint.token ? { Authorization: `Bearer ${this.endpoint.token}` } : {}),
            Accept: 'application/json',
            // Content-Length always: Node sends a DELETE's body neither chunked nor sized, and the server
            // would read it as the next request of the kept-alive connection.
            ...(payload
              ? {
                  'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
                  'Content-Length': String(Buffer.byteLength(payload)),
                }
              : {}),
            ...headers,
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // Not JSON (a health endpoint's "ok"): the text itself is the body.
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: no answer from ${this.endpoint.server} in 30 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A request that must succeed (2xx); errors carry the API server's Status. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request<T>(method, path, body);
    if (res.status >= 200 && res.status < 300) return res.body;
    throw new KubeApiError(res.status, res.body as KubeStatus, `${method} ${path}`);
  }

  /**
   * Creates the object, or replaces it keeping its resourceVersion (kubectl apply without the field manager's merge).
   * Answers the object as stored: its generation says which spec a status describes.
   */
  async apply<T extends { metadata: { name: string } }>(collection: string, object: T): Promise<T> {
    const created = await this.request<T>('POST', `${collection}?fieldValidation=Strict`, object);
    if (created.status >= 200 && created.status < 300) return created.body;
    if (created.status !== 409) throw new KubeApiError(created.status, created.body as unknown as KubeStatus, `create ${collection}/${object.metadata.name}`);
    const current = await this.call<{ metadata: { resourceVersion: string } }>('GET', `${collection}/${object.metadata.name}`);
    const updated = { ...object, metadata: { ...object.metadata, resourceVersion: current.metadata.resourceVersion } };
    return this.call<T>('PUT', `${collection}/${object.metadata.name}?fieldValidation=Strict`, updated);
  }
}
