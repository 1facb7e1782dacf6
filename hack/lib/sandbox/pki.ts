// The sandbox's certificates, made once with openssl: a CA, the API server's serving
// certificate, client certificates for each control-plane identity, and the key pair that
// signs ServiceAccount tokens. Identities match the RBAC bootstrap policy's user names, so
// RBAC is enforced for the control plane exactly as in a kubeadm cluster.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClientIdentity {
  file: string;
  commonName: string;
  organization?: string;
}

export const CLIENTS: ClientIdentity[] = [
  { file: 'admin', commonName: 'moor-admin', organization: 'system:masters' },
  { file: 'controller-manager', commonName: 'system:kube-controller-manager' },
  { file: 'scheduler', commonName: 'system:kube-scheduler' },
  { file: 'kwok', commonName: 'moor-kwok', organization: 'system:masters' },
];

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed in ${cwd}: ${stderr.trim()}`, { cause: err });
  }
}

function keyPair(dir: string, name: string): void {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
}

function signed(dir: string, name: string, subject: string, extensions: string): void {
  keyPair(dir, name);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '3650',
      '-sha256',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
}

export function ensurePki(dir: string): void {
  if (existsSync(join(dir, 'done'))) return;
  keyPair(dir, 'ca');
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      '/CN=moor-sandbox-ca',
      '-days',
      '3650',
      '-sha256',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  signed(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
      '',
    ].join('\n'),
  );
  for (const c of CLIENTS) {
    const subject = `${c.organization ? `/O=${c.organization}` : ''}/CN=${c.commonName}`;
    signed(
      dir,
      c.file,
      subject,
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    );
  }
  keyPair(dir, 'service-account');
  openssl(['ec', '-in', 'service-account.key', '-pubout', '-out', 'service-account.pub'], dir);
  writeFileSync(join(dir, 'done'), '');
}

export function kubeconfig(pki: string, client: string, server: string, contextName: string): string {
  const b64 = (f: string) => readFileSync(join(pki, f)).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: ${contextName}
  cluster:
    server: ${server}
    certificate-authority-data: ${b64('ca.crt')}
users:
- name: ${client}
  user:
    client-certificate-data: ${b64(`${client}.crt`)}
    client-key-data: ${b64(`${client}.key`)}
contexts:
- name: ${contextName}
  context:
    cluster: ${contextName}
    user: ${client}
current-context: ${contextName}
`;
}
