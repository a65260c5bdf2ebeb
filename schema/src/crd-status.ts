// What the node agent writes back into a Volume's and an App's status, and the
// columns `kubectl get` prints, chosen to read like `lttle app list`.
import type { OpenApiNode } from './openapi';

/** metav1.Condition, as every Kubernetes API spells it. */
function conditions(): OpenApiNode {
  return {
    type: 'array',
    description: 'Ready, Scheduled and the reason behind each (standard Kubernetes conditions).',
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
    items: {
      type: 'object',
      required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
      properties: {
        type: { type: 'string', maxLength: 316 },
        status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
        observedGeneration: { type: 'integer', minimum: 0 },
        lastTransitionTime: { type: 'string', format: 'date-time' },
        reason: { type: 'string', maxLength: 1024 },
        message: { type: 'string', maxLength: 32768 },
      },
    },
  };
}

const text = (description: string): OpenApiNode => ({ type: 'string', description });

export function appStatusSchema(): OpenApiNode {
  return {
    type: 'object',
    properties: {
      conditions: conditions(),
      observedGeneration: { type: 'integer', minimum: 0, description: 'The metadata.generation this status describes.' },
      state: text('What `lttle app get` shows: creating, running, suspended, paged-out, deep-suspended, stopped, failed, waiting for its host…'),
      host: text('The node whose agent runs the app.'),
      endpoint: text('Where clients reach the app: host:port of its first service.'),
      services: {
        type: 'array',
        items: {
          type: 'object',
          properties: { name: text('Service name.'), address: text('host:port'), internalName: text('<app>-<service>.<namespace>.svc.lttle.local') },
        },
      },
      suspendedSince: { type: 'string', format: 'date-time', description: 'When the app was last suspended, if it is.' },
      keptAwakeBy: { type: 'array', items: { type: 'string' }, description: 'What keeps the app from suspending: open connections by client, exec sessions.' },
      message: text('The last error or why the app waits.'),
    },
  };
}

export function volumeStatusSchema(): OpenApiNode {
  return {
    type: 'object',
    properties: {
      conditions: conditions(),
      observedGeneration: { type: 'integer', minimum: 0 },
      state: text('pending (no host yet), bound, resizing, failed'),
      host: text('The node that holds the volume: the host of its first consumer; apps that mount it run there.'),
      sizeBytes: { type: 'integer', minimum: 0, description: 'The size of the volume on its host, in bytes.' },
      message: text('The last error.'),
    },
  };
}

export function printerColumns(kind: 'Volume' | 'App'): { name: string; type: string; jsonPath: string; description?: string; priority?: number }[] {
  if (kind === 'Volume')
    return [
      { name: 'Size', type: 'string', jsonPath: '.spec.size' },
      { name: 'State', type: 'string', jsonPath: '.status.state' },
      { name: 'Host', type: 'string', jsonPath: '.status.host' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ];
  return [
    { name: 'Image', type: 'string', jsonPath: '.spec.image' },
    { name: 'State', type: 'string', jsonPath: '.status.state' },
    { name: 'Host', type: 'string', jsonPath: '.status.host' },
    { name: 'Endpoint', type: 'string', jsonPath: '.status.endpoint' },
    { name: 'Suspended', type: 'date', jsonPath: '.status.suspendedSince', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ];
}
