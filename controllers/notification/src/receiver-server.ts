// The webhook endpoint of Receivers: POST /hook/<path>. Each type's proof is checked
// (GitHub X-Hub-Signature-256, GitLab X-Gitlab-Token, generic-hmac X-Signature; generic: the
// unguessable path itself); anything else gets one answer that does not say which part was
// wrong. Then every matching GitRepository or Kustomization is asked to reconcile now: over
// NATS (immediate) and with the reconcile.moor.dev/requestedAt annotation (durable, and the
// path when NATS is down).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as k8s from '@kubernetes/client-node';
import {
  GitRepositoryResource,
  KustomizationResource,
  RECONCILE_REQUESTED_AT_ANNOTATION,
  type Receiver,
} from '@moor/api';
import type { Bus } from '@moor/bus';
import { errorMessage, type Logger } from '@moor/runtime';
import { webhookPath } from './objects.js';

const MAX_BODY = 5 * 1024 * 1024;
const KINDS = {
  GitRepository: GitRepositoryResource,
  Kustomization: KustomizationResource,
} as const;

export interface ReceiverServerOptions {
  address: { host: string; port: number };
  kubeConfig: k8s.KubeConfig;
  /** Every Receiver this replica knows (a watch cache: any replica can serve webhooks). */
  receivers: () => Receiver[];
  /** The Receiver's token, read from its Secret. */
  tokenOf: (receiver: Receiver) => Promise<string | undefined>;
  bus: () => Bus | undefined;
  log: Logger;
}

function sameHex(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given.trim().toLowerCase());
  return a.length === b.length && timingSafeEqual(a, b);
}

const hmac = (token: string, body: Buffer) => createHmac('sha256', token).update(body).digest('hex');

/** Whether the request proves it comes from the sender the Receiver trusts. */
export function verify(
  type: Receiver['spec']['type'],
  token: string,
  headers: IncomingMessage['headers'],
  body: Buffer,
): boolean {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  switch (type) {
    case 'generic':
      return true;
    case 'generic-hmac':
      return sameHex(`sha256=${hmac(token, body)}`, header('x-signature'));
    case 'github':
      return sameHex(`sha256=${hmac(token, body)}`, header('x-hub-signature-256'));
    case 'gitlab': {
      const given = header('x-gitlab-token') ?? '';
      return given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token));
    }
    default:
      return false;
  }
}

/** The event name the sender put in its headers, for spec.events filtering. */
function eventOf(type: Receiver['spec']['type'], headers: IncomingMessage['headers']): string | undefined {
  const v =
    type === 'github' ? headers['x-github-event'] : type === 'gitlab' ? headers['x-gitlab-event'] : undefined;
  return Array.isArray(v) ? v[0] : v;
}

export class ReceiverServer {
  private server: Server | undefined;
  private readonly api: k8s.CustomObjectsApi;

  constructor(private readonly opts: ReceiverServerOptions) {
    this.api = opts.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  }

  get port(): number {
    const a = this.server?.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.opts.log.error({ err: errorMessage(err) }, 'receiver request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.address.port, this.opts.address.host, () => resolve());
    });
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) return undefined;
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    if (!path.startsWith('/hook/')) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const receiver = this.opts.receivers().find((r) => r.status?.webhookPath === path);
    const token = receiver ? await this.opts.tokenOf(receiver) : undefined;
    // An unknown path, a suspended Receiver and a rotated token all look the same from outside.
    if (
      !receiver ||
      receiver.spec.suspend ||
      !token ||
      webhookPath(token, receiver.metadata.name as string, receiver.metadata.namespace as string) !== path
    ) {
      res.writeHead(404).end();
      return;
    }
    const key = `${receiver.metadata.namespace}/${receiver.metadata.name}`;
    const body = await this.readBody(req);
    if (!body) {
      res.writeHead(413).end();
      return;
    }
    if (!verify(receiver.spec.type, token, req.headers, body)) {
      this.opts.log.warn({ receiver: key }, 'rejected a webhook that failed verification');
      res.writeHead(401).end();
      return;
    }
    const event = eventOf(receiver.spec.type, req.headers);
    if (event === 'ping') {
      res.writeHead(200).end('pong');
      return;
    }
    const wanted = receiver.spec.events ?? [];
    if (
      wanted.length > 0 &&
      event !== undefined &&
      !wanted.some((w) => w.toLowerCase() === event.toLowerCase())
    ) {
      res.writeHead(200).end(`event ${event} ignored`);
      return;
    }
    const requested = await this.requestReconciles(receiver);
    this.opts.log.info({ receiver: key, event, objects: requested }, 'webhook accepted');
    res
      .writeHead(200, { 'content-type': 'text/plain' })
      .end(`reconcile requested for ${requested.length} object(s)\n`);
  }

  private async requestReconciles(receiver: Receiver): Promise<string[]> {
    const at = new Date().toISOString();
    const requested: string[] = [];
    for (const r of receiver.spec.resources) {
      const descriptor = KINDS[r.kind as keyof typeof KINDS];
      if (!descriptor) continue;
      const namespace = r.namespace ?? (receiver.metadata.namespace as string);
      const { group, version, plural } = descriptor;
      let names: string[];
      if (r.name === '*') {
        const selector = r.matchLabels
          ? Object.entries(r.matchLabels)
              .map(([k, v]) => `${k}=${v}`)
              .join(',')
          : undefined;
        const list = (await this.api.listNamespacedCustomObject({
          group,
          version,
          namespace,
          plural,
          ...(selector ? { labelSelector: selector } : {}),
        })) as { items: { metadata: { name: string } }[] };
        names = list.items.map((i) => i.metadata.name);
      } else names = [r.name];
      for (const name of names) {
        this.opts.bus()?.requestReconcile({
          object: { apiVersion: descriptor.apiVersion, kind: descriptor.kind, namespace, name },
          requestedAt: at,
          requestedBy: `receiver/${receiver.metadata.namespace}/${receiver.metadata.name}`,
        });
        await this.api
          .patchNamespacedCustomObject(
            {
              group,
              version,
              namespace,
              plural,
              name,
              body: { metadata: { annotations: { [RECONCILE_REQUESTED_AT_ANNOTATION]: at } } },
            },
            k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
          )
          .then(
            () => requested.push(`${descriptor.kind}/${namespace}/${name}`),
            (err: unknown) =>
              this.opts.log.warn(
                { object: `${namespace}/${name}`, err: errorMessage(err) },
                'cannot annotate',
              ),
          );
      }
    }
    return requested;
  }
}
