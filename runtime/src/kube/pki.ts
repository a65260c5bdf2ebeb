// The keys and certificates of a control plane started on loopback: a CA, the
// API server's serving certificate (for 127.0.0.1 and the in-cluster names)
// and the service-account signing key pair. openssl makes the certificates
// (Node's crypto cannot issue X.509); made once, kept with mode 0600.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../util/process';

export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** The bearer token of the cluster's administrator (group system:masters). */
  tokenFile: string;
  token: string;
}

const SERVER_NAMES = ['IP:127.0.0.1', 'DNS:localhost', 'IP:10.96.0.1', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc'];

export function pkiPaths(dir: string): Omit<Pki, 'token'> {
  const at = (f: string) => path.join(dir, f);
  return {
    caCert: at('ca.crt'),
    caKey: at('ca.key'),
    serverCert: at('apiserver.crt'),
    serverKey: at('apiserver.key'),
    serviceAccountKey: at('sa.key'),
    serviceAccountPub: at('sa.pub'),
    tokenFile: at('tokens.csv'),
  };
}

/** The cluster's PKI in `dir`, made on first use. */
export async function ensurePki(dir: string): Promise<Pki> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const p = pkiPaths(dir);
  if (!fs.existsSync(p.caCert)) {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      p.caKey,
      '-out',
      p.caCert,
      '-days',
      '3650',
      '-subj',
      '/CN=lttle-cluster-ca',
    ]);
  }
  if (!fs.existsSync(p.serverCert)) {
    const csr = path.join(dir, 'apiserver.csr');
    const ext = path.join(dir, 'apiserver.ext');
    fs.writeFileSync(ext, `subjectAltName=${SERVER_NAMES.join(',')}\n`);
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.serverKey, '-out', csr, '-subj', '/CN=kube-apiserver']);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      p.caCert,
      '-CAkey',
      p.caKey,
      '-CAcreateserial',
      '-out',
      p.serverCert,
      '-days',
      '3650',
      '-extfile',
      ext,
    ]);
    fs.rmSync(csr);
    fs.rmSync(ext);
  }
  if (!fs.existsSync(p.serviceAccountKey)) {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(p.serviceAccountPub, publicKey.export({ type: 'spki', format: 'pem' }));
    fs.writeFileSync(p.serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  if (!fs.existsSync(p.tokenFile)) {
    fs.writeFileSync(p.tokenFile, `${crypto.randomBytes(24).toString('hex')},lttle-admin,lttle-admin,system:masters\n`, { mode: 0o600 });
  }
  for (const f of [p.caKey, p.serverKey, p.serviceAccountKey, p.tokenFile]) fs.chmodSync(f, 0o600);
  const token = fs.readFileSync(p.tokenFile, 'utf8').split(',')[0];
  return { ...p, token };
}
