// Fields one lttled honours that a cluster does not yet, and why: `lttle deploy
// --kubeconfig` and the providers refuse them naming the field, where the API
// server would keep or prune them and an agent would do something else.
export const NOT_ON_A_CLUSTER = {
  'fork-of': "is not supported on a cluster yet (a fork runs on its source's host)",
  'from-snapshot': "is not supported on a cluster yet (a snapshot's layers are on its volume's host, where placement does not put a new volume)",
} as const;
