// The provider settings that point both providers at a Kubernetes cluster
// instead of one lttled, documented once: the Pulumi schema (config and the
// Provider resource) and the Terraform provider block take these texts.
export const CLUSTER_TARGET_DOCS = {
  kubeconfig:
    'Path of a kubeconfig: manage the Volume and App custom resources (`lttle.dev/v1alpha1`) of its Kubernetes cluster instead of one lttled; environment values go to a Secret, never into the App object. Exclusive with `host` and `token`; never read from `KUBECONFIG`, so a user who does not set it keeps the local daemon.',
  context: 'A context of `kubeconfig` (default: its current context).',
} as const;
