// go-plugin AutoMTLS: terraform passes its client certificate in
// PLUGIN_CLIENT_CERT and expects the plugin to serve TLS with a certificate
// it generated, announced (DER, base64 without padding) in the handshake
// line. Node's crypto cannot issue X.509 certificates, so openssl does it:
// P-256, CN/SAN localhost, usable for server and client auth (go-plugin
// checks both), short-lived.
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ServerCert {
  keyPem: string;
  certPem: string;
  /** For the handshake line. */
  derBase64: string;
}

export function generateServerCert(): ServerCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lttle-tf-tls-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    fs.writeFileSync(keyFile, keyPem, { mode: 0o600 });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-new',
        '-key',
        keyFile,
        '-out',
        certFile,
        '-days',
        '30',
        '-subj',
        '/O=HashiCorp/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-addext',
        'keyUsage=critical,digitalSignature,keyEncipherment,keyAgreement,keyCertSign',
        '-addext',
        'extendedKeyUsage=serverAuth,clientAuth',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const certPem = fs.readFileSync(certFile, 'utf8');
    const der = new crypto.X509Certificate(certPem).raw;
    return { keyPem, certPem, derBase64: der.toString('base64').replace(/=+$/, '') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
